/**
 * Bring your own model: the vendored optimum DistilBERT export (model.onnx at the top, no tokenizer_config.json)
 * with the BERT tokenizer, loaded through the UI by folder chooser, by file chooser and by drop; the GPT-2 tokenizer
 * alone (errors naming the missing files); a Hub id against the emulated Hub and a folder URL against an emulated
 * host; the browser cache (hit on reload, clear); the prediction on load; input checks before any round-trip; a
 * shared link's warnings through its auto-run; long text kept out of the URL. No request may leave localhost.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { thirdParty } from '../../fixtures/index.ts';
import { launch, openPage, screenshot } from '../browser.ts';
import { fakeFolderHost, fakeHub } from '../fake-hub.ts';
import { clickRun, explain, fill, runCount, select, waitReady } from '../playground.ts';

const DISTIL = ['model.onnx', 'config.json'].map((f) => thirdParty(`optimum-tiny-distilbert-sst2/${f}`));
const BERT_TOKENIZER = thirdParty('bert-uncased-tokenizer/tokenizer.json');
/** A real DistilBERT tokenizer_config.json (class and special tokens), for the hosts that serve one. */
const TOKENIZER_CONFIG = Buffer.from(
  JSON.stringify({
    tokenizer_class: 'DistilBertTokenizer',
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    mask_token: '[MASK]',
    model_max_length: 512,
  }),
);
const GPT2_TOKENIZER = ['tokenizer.json', 'tokenizer_config.json'].map((f) =>
  thirdParty(`ortgenai-tiny-gpt2-fused/${f}`),
);

let work = '';
/** The user's folder: the optimum export as it comes (model.onnx at the top) with the BERT tokenizer beside it. */
let distilDir = '';

async function afterLoad(page: Page, before: number): Promise<string | null> {
  await page.waitForFunction((n: number) => Number(document.querySelector('#run-count')?.textContent) > n, before, {
    timeout: 120_000,
  });
  return (await page.locator('#error').count()) ? page.locator('#error').innerText() : null;
}

/** Explains with Occlusion and checks the output is the DistilBERT's: its labels, the BERT word pieces. */
async function explainDistil(page: Page, method = 'Occlusion'): Promise<void> {
  await fill(page, 'text', 'This movie is great!');
  await select(page, 'method', method);
  const r = await explain(page);
  assert.deepEqual(r.output.elements, ['this', 'movie', 'is', 'great', '!']);
  assert.equal(r.output.modelTask, 'classification');
  const prediction = await page.locator('#prediction').innerText();
  assert.match(prediction, /NEGATIVE/);
  assert.match(prediction, /POSITIVE/);
  assert.ok(r.output.attributions.flat().every(Number.isFinite), `${method} scores are finite`);
}

describe('bring your own model', () => {
  let browser: Browser | undefined;
  before(async () => {
    browser = await launch();
    work = mkdtempSync(join(tmpdir(), 'interpreto-byom-'));
    distilDir = join(work, 'tiny-distilbert');
    mkdirSync(distilDir);
    for (const f of DISTIL) copyFileSync(f, join(distilDir, f.split('/').pop()!));
    copyFileSync(BERT_TOKENIZER, join(distilDir, 'tokenizer.json'));
    writeFileSync(join(distilDir, '.DS_Store'), 'junk a folder may hold');
  });
  after(async () => {
    await browser?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('"auto" prefers WASM over a software WebGPU adapter and says why', async () => {
    const { page, context } = await openPage(browser!);
    await waitReady(page);
    const status = page.locator('#webgpu-status');
    const software = (await status.getAttribute('data-software')) === 'true';
    const device = await page.locator('#result').getAttribute('data-device');
    if (software) {
      assert.match(await status.innerText(), /software adapter .*"auto" runs on WASM/);
      assert.equal(device, 'wasm', 'auto took WASM');
    } else assert.equal(device, 'webgpu', 'auto took the hardware adapter');
    console.log(`WebGPU adapter is ${software ? 'software' : 'hardware'}: auto ran on ${device}`);
    await context.close();
  });

  it('loads a folder by the folder chooser (optimum layout, no tokenizer_config), offline, and explains', async () => {
    const { page, context, problems } = await openPage(browser!, '?metrics=0&device=wasm');
    await waitReady(page);
    await select(page, 'model', '__files__');
    // Record every stage the progress shows while loading.
    await page.evaluate(() => {
      const w = window as unknown as { stages: string[] };
      w.stages = [];
      new MutationObserver(() => {
        const t = document.querySelector('#stage')?.textContent;
        if (t && w.stages.at(-1) !== t) w.stages.push(t);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    const n = await runCount(page);
    await page.locator('#model-folder').setInputFiles(distilDir);
    assert.equal(await afterLoad(page, n), null);
    const notice = await page.locator('#notice').innerText();
    assert.match(notice, /tokenizer_config\.json is missing: a minimal one was written/);
    assert.match(notice, /optimum export/);
    const stages = await page.evaluate(() => (window as unknown as { stages: string[] }).stages);
    assert.ok(
      stages.some((s) => /compiling onnx\/model\.onnx for WASM/.test(s)),
      `the progress covers compilation (${stages.join(' | ')})`,
    );
    const id = new URL(page.url()).searchParams.get('files');
    assert.match(id ?? '', /^tiny-distilbert-[0-9a-f]{6}$/);
    await explainDistil(page);
    await explainDistil(page, 'Saliency'); // the gradient path reads the user's model bytes too
    await screenshot(page, 'byom-folder');
    assert.deepEqual(problems.page, []);
    assert.deepEqual(problems.console, []);
    assert.deepEqual(problems.offsite, [], 'no request left localhost');
    await context.close();
  });

  it('loads loose files dropped on the page, then from the cache after a reload, until the cache is cleared', async () => {
    const { page, context, problems } = await openPage(browser!, '?metrics=0&device=wasm');
    await waitReady(page);
    await select(page, 'model', '__files__');
    const files = [...DISTIL, BERT_TOKENIZER].map((p) => ({
      name: p.split('/').pop()!,
      base64: readFileSync(p).toString('base64'),
    }));
    const n = await runCount(page);
    await page.evaluate((list) => {
      const dt = new DataTransfer();
      for (const f of list) {
        const bytes = Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0));
        dt.items.add(new File([bytes], f.name));
      }
      const zone = document.querySelector('#model-drop')!;
      zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, files);
    assert.equal(await afterLoad(page, n), null);
    await explainDistil(page);
    const id = new URL(page.url()).searchParams.get('files')!;
    await page.locator(`#cached-models li[data-id="${id}"][data-source="files"]`).waitFor();
    await screenshot(page, 'byom-drop-cached');

    // Reload: the worker no longer holds the files; the browser's cache does.
    await page.reload();
    await waitReady(page);
    assert.equal(await page.locator('#model').inputValue(), '__files__');
    await explainDistil(page);

    await page.locator('#clear-cache').click();
    await page.locator('#cached-models[data-count="0"]').waitFor();
    await page.reload();
    await waitReady(page);
    const { error } = await clickRun(page, 'explain');
    assert.match(error ?? '', /no longer in this browser's cache \(config\.json is missing\)/);
    assert.match(error ?? '', /Choose or drop the model folder again/);
    await screenshot(page, 'byom-cache-cleared');
    assert.deepEqual(problems.page, []);
    // The cleared cache's misses are answered 404 inside the worker: nothing else may be logged.
    assert.deepEqual(
      problems.console.filter((t) => !/status of 404/.test(t)),
      [],
    );
    assert.deepEqual(problems.offsite, []);
    await context.close();
  });

  it('names the missing files of a folder that is only a tokenizer (GPT-2), before any round-trip', async () => {
    const { page, context, problems } = await openPage(browser!, '?metrics=0&device=wasm');
    await waitReady(page);
    await select(page, 'model', '__files__');
    const n = await runCount(page);
    await page.locator('#model-files').setInputFiles(GPT2_TOKENIZER);
    const error = page.locator('#error');
    await error.waitFor();
    const text = await error.innerText();
    assert.match(text, /config\.json is missing: it is the model's configuration/);
    assert.match(text, /model\.onnx is missing: it is the ONNX graph/);
    assert.doesNotMatch(text, /tokenizer\.json is missing/);
    assert.equal(await runCount(page), n, 'refused in the page, no load was tried');
    await screenshot(page, 'byom-missing-files');

    // Empty text: refused at once, no round-trip either.
    await select(page, 'model', 'bert-tiny-sentiment');
    await fill(page, 'text', '   ');
    await page.locator('#explain').click();
    assert.match(await page.locator('#error').innerText(), /The input text is empty/);
    assert.equal(await runCount(page), n);
    assert.deepEqual(problems.page, []);
    assert.deepEqual(problems.offsite, []);
    await context.close();
  });

  it('loads a Hub id from the emulated Hub, and again from the cache after a reload', async () => {
    const { page, context, problems } = await openPage(browser!, '?metrics=0&device=wasm');
    const dir = distilDir;
    const fromDir = (file: string) => {
      // The export's one graph, offered as fp32 and as q8 (the same bytes: the menu is what is checked).
      const name = file === 'onnx/model.onnx' || file === 'onnx/model_quantized.onnx' ? 'model.onnx' : file;
      if (name === 'tokenizer_config.json') return TOKENIZER_CONFIG;
      try {
        return readFileSync(join(dir, name));
      } catch {
        return null;
      }
    };
    const served = await fakeHub(context, { 'interpreto-test/tiny-distilbert': fromDir });
    await waitReady(page);
    await select(page, 'model', '__hub__');
    await fill(page, 'hub-id', 'interpreto-test/tiny-distilbert');
    assert.equal((await clickRun(page, 'load')).error, null);
    assert.ok(served.includes('onnx/model.onnx'));
    // The Precision menu lists what the repo has (the Hub's file listing): fp32 and q8 here.
    assert.deepEqual(
      await page.locator('#dtype option').evaluateAll((o) => o.map((x) => (x as HTMLOptionElement).value)),
      ['fp32', 'q8'],
    );
    await explainDistil(page);
    const before = served.length;
    await page.reload();
    await waitReady(page);
    await explainDistil(page);
    assert.equal(served.length, before, `nothing fetched again after the reload (${served.slice(before).join(', ')})`);
    await select(page, 'model', '__files__');
    // The panel lists the Hub model among the cached ones (read from Cache Storage when it opens).
    await page.locator('#cached-models li[data-source="hub"][data-id="interpreto-test/tiny-distilbert"]').waitFor();
    assert.deepEqual(problems.page, []);
    assert.deepEqual(
      problems.console.filter((t) => !/status of 404/.test(t)),
      [],
    );
    await context.close();
  });

  it('loads a folder URL from an emulated host, and names a missing tokenizer_config.json', async () => {
    const { page, context, problems } = await openPage(browser!, '?metrics=0&device=wasm');
    // Two folders: tiny-distilbert is complete, bare-export lacks tokenizer_config.json.
    const served = await fakeFolderHost(context, 'https://models.example.org', (path) => {
      const m = /^\/people\/(tiny-distilbert|bare-export)\/(.+)$/.exec(path);
      const file = m?.[2] === 'onnx/model.onnx' ? 'model.onnx' : m?.[2];
      if (file === 'tokenizer_config.json') return m?.[1] === 'tiny-distilbert' ? TOKENIZER_CONFIG : null;
      try {
        return file ? readFileSync(join(distilDir, file)) : null;
      } catch {
        return null;
      }
    });
    await waitReady(page);
    await select(page, 'model', '__hub__');
    await fill(page, 'hub-id', 'https://models.example.org/people/bare-export/');
    assert.match(
      (await clickRun(page, 'load')).error ?? '',
      /has no tokenizer_config\.json .*load it as your own model/s,
    );
    await fill(page, 'hub-id', 'https://models.example.org/people/tiny-distilbert/');
    assert.equal((await clickRun(page, 'load')).error, null);
    assert.ok(served.includes('/people/tiny-distilbert/onnx/model.onnx'), served.join(', '));
    assert.equal(new URL(page.url()).searchParams.get('url'), 'https://models.example.org/people/tiny-distilbert/');
    await explainDistil(page);
    // A URL of another scheme is refused in the page.
    await fill(page, 'hub-id', 'ftp://models.example.org/x/');
    await page.locator('#load').click();
    assert.match(await page.locator('#error').innerText(), /only http and https folders/);
    await screenshot(page, 'byom-url-refused');
    assert.deepEqual(problems.page, []);
    await context.close();
  });

  it("keeps a shared link's warnings through its auto-run, and long text out of the URL", async () => {
    const { page, context } = await openPage(browser!, '?method=NoSuchMethod&run=explain&device=wasm&metrics=0');
    await page.locator('#result').waitFor({ timeout: 120_000 });
    await page.locator('#explain:enabled').waitFor();
    assert.match(await page.locator('#notice').innerText(), /unknown method "NoSuchMethod"/);
    const long = 'word '.repeat(5000);
    await page.locator('#text').fill(long);
    await page.locator('#text-not-in-url').waitFor();
    assert.equal(new URL(page.url()).searchParams.get('text'), null);
    assert.ok(page.url().length < 500, `the link stays short (${page.url().length} characters)`);
    await screenshot(page, 'byom-long-text');
    await context.close();
  });
});
