/**
 * The Hub code path (allowRemoteModels, remote fetches, gradient bytes from a remote load) with the
 * Hub played by the test: requests to huggingface.co are answered from local model folders, so
 * the run needs no network. Also the page's answers to a quantized-only repo and to a model of
 * another task.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, openPage, screenshot } from '../browser.ts';
import { fakeHub, type FakeRepos } from '../fake-hub.ts';
import { CLASSIFIER, clickRun, explain, fill, select, waitReady } from '../playground.ts';

const MODELS = new URL('../../dist/playground/models/', import.meta.url).pathname;

/** repo id -> function(file) returning the bytes to serve, or null for a 404. */
const REPOS: FakeRepos = {
  // A full repo: the classifier fixture as it would be published.
  'interpreto-test/tiny-bert': (file) => local(CLASSIFIER, file),
  // Only quantized weights: no onnx/model.onnx.
  'interpreto-test/quantized-only': (file) =>
    file === 'onnx/model.onnx'
      ? null
      : file === 'onnx/model_quantized.onnx'
        ? local(CLASSIFIER, 'onnx/model.onnx')
        : local(CLASSIFIER, file),
  // A masked LM: neither a sequence classifier nor a causal LM.
  'interpreto-test/masked-lm': (file) => {
    if (file !== 'config.json') return local(CLASSIFIER, file);
    const config = JSON.parse(readFileSync(join(MODELS, CLASSIFIER, 'config.json'), 'utf8'));
    return Buffer.from(JSON.stringify({ ...config, architectures: ['BertForMaskedLM'] }));
  },
};

function local(model: string, file: string): Buffer | null {
  const path = join(MODELS, model, file);
  return existsSync(path) ? readFileSync(path) : null;
}

describe('Hugging Face Hub models', () => {
  let browser: Browser | undefined;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  it('loads a Hub model and explains with a gradient method', async () => {
    // WebGPU asked for: "auto" takes WASM on a software adapter (the e2e's SwiftShader).
    const { page, context, problems } = await openPage(browser!, '?metrics=0&device=webgpu');
    const served = await fakeHub(context, REPOS);
    await waitReady(page);
    await select(page, 'model', '__hub__');
    await fill(page, 'hub-id', 'interpreto-test/tiny-bert');
    const { error } = await clickRun(page, 'load');
    assert.equal(error, null);
    assert.ok(served.includes('onnx/model.onnx'), `the fp32 file came from the Hub (served: ${served.join(', ')})`);
    // Once loaded, the class targets of the Hub model are offered.
    const labels = Object.keys(JSON.parse(readFileSync(join(MODELS, CLASSIFIER, 'config.json'), 'utf8')).id2label);
    assert.equal(await page.locator('.class-target').count(), labels.length);
    await fill(page, 'text', 'This movie is great!');
    await select(page, 'method', 'IntegratedGradients');
    const r = await explain(page);
    assert.equal(r.output.elements.length, 5);
    assert.equal(r.device, 'webgpu');
    assert.equal(new URL(page.url()).searchParams.get('hub'), 'interpreto-test/tiny-bert');
    await screenshot(page, 'hub-model');
    assert.deepEqual(problems.page, []);
    assert.deepEqual(problems.console, []);
    await context.close();
  });

  it('says what to do with a quantized-only repo and with a model of another task', async () => {
    const { page, context, problems } = await openPage(browser!, '?metrics=0');
    await fakeHub(context, REPOS);
    await waitReady(page);
    await select(page, 'model', '__hub__');
    await fill(page, 'hub-id', 'interpreto-test/quantized-only');
    await clickRun(page, 'load');
    const quantized = await page.locator('#error').innerText();
    assert.match(quantized, /has no full-precision ONNX file \(onnx\/model\.onnx\)/);
    assert.match(quantized, /fp32/);
    await fill(page, 'hub-id', 'interpreto-test/masked-lm');
    await clickRun(page, 'load');
    assert.match(
      await page.locator('#error').innerText(),
      /neither a sequence classifier nor a causal language model \(architectures: BertForMaskedLM\)/,
    );
    await screenshot(page, 'hub-errors');
    assert.deepEqual(problems.page, []);
    // The 404s the fake Hub answers are logged by the browser as failed loads; nothing else.
    assert.deepEqual(
      problems.console.filter((t) => !/status of 404/.test(t)),
      [],
    );
    await context.close();
  });
});
