/**
 * A model folder dropped on the page (issue 10, item 1). Playwright cannot put directory entries in a real drop,
 * so the drop event here carries a DataTransfer whose items answer webkitGetAsEntry() with directory entries made
 * in the page (FileSystemDirectoryEntry-like: createReader / readEntries in batches / file), holding the vendored
 * optimum DistilBERT export in the Hub layout, nested: tiny-distilbert/{config.json, tokenizer.json,
 * onnx/model.onnx}. The same code path as a real folder drop (pickedFromDrop) walks it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { thirdParty } from '../../fixtures/index.ts';
import { launch, openPage, screenshot } from '../browser.ts';
import { explain, fill, runCount, select, waitReady } from '../playground.ts';

const FILES: [string, string][] = [
  ['config.json', thirdParty('optimum-tiny-distilbert-sst2/config.json')],
  ['tokenizer.json', thirdParty('bert-uncased-tokenizer/tokenizer.json')],
  ['onnx/model.onnx', thirdParty('optimum-tiny-distilbert-sst2/model.onnx')],
];

/**
 * Dispatches on #model-drop a dragover and a drop whose DataTransfer has one item, a directory entry
 * "tiny-distilbert" (files at the top, the `onnx/` paths in a nested directory); resolves with the number of
 * readEntries calls once the page had time to walk it.
 */
const DROP_FOLDER = `function (list) {
  let readCalls = 0;
  const root = '/tiny-distilbert';
  const fileEntry = function (name, fullPath, b64) {
    const bytes = Uint8Array.from(atob(b64), function (c) { return c.charCodeAt(0); });
    return {
      isFile: true, isDirectory: false, name: name, fullPath: fullPath,
      file: function (ok) { setTimeout(function () { ok(new File([bytes], name)); }, 0); },
    };
  };
  const dirEntry = function (name, fullPath, children) {
    return {
      isFile: false, isDirectory: true, name: name, fullPath: fullPath,
      // Like Chromium's reader: entries come in batches (here one at a time), then an empty batch at the end.
      createReader: function () {
        let i = 0;
        return { readEntries: function (ok) { readCalls++; const batch = children.slice(i, i + 1); i++; setTimeout(function () { ok(batch); }, 0); } };
      },
    };
  };
  const top = list.filter(function (f) { return f.path.indexOf('/') < 0; })
    .map(function (f) { return fileEntry(f.path, root + '/' + f.path, f.base64); });
  const onnx = list.filter(function (f) { return f.path.indexOf('onnx/') === 0; })
    .map(function (f) { return fileEntry(f.path.slice(5), root + '/' + f.path, f.base64); });
  const folder = dirEntry('tiny-distilbert', root, top.concat([dirEntry('onnx', root + '/onnx', onnx)]));
  const data = { items: [{ kind: 'file', type: '', webkitGetAsEntry: function () { return folder; } }], files: [], types: ['Files'] };
  const zone = document.querySelector('#model-drop');
  for (const type of ['dragover', 'drop']) {
    const ev = new DragEvent(type, { bubbles: true, cancelable: true });
    Object.defineProperty(ev, 'dataTransfer', { value: data });
    zone.dispatchEvent(ev);
  }
  return new Promise(function (ok) { setTimeout(function () { ok(readCalls); }, 500); });
}`;

describe('folder drop', () => {
  let browser: Browser | undefined;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  it('walks a dropped folder with a nested onnx/ directory, loads the model and explains it', async () => {
    const { page, context, problems } = await openPage(browser!, '?metrics=0&device=wasm');
    await waitReady(page);
    await select(page, 'model', '__files__');
    const files = FILES.map(([path, from]) => ({ path, base64: readFileSync(from).toString('base64') }));
    const n = await runCount(page);
    // Plain JavaScript text, not a TypeScript function: tsx would wrap its inner functions in a __name() helper
    // that does not exist in the page.
    const reads = (await page.evaluate(`(${DROP_FOLDER})(${JSON.stringify(files)})`)) as number;
    // Both directories were read to their empty last batch: 3 + 1 entries, 2 empty batches.
    assert.ok(reads >= 6, `readEntries called ${reads} times`);
    await page.waitForFunction((k: number) => Number(document.querySelector('#run-count')?.textContent) > k, n, {
      timeout: 120_000,
    });
    assert.equal(await page.locator('#error').count(), 0, 'the folder loads');
    assert.match(new URL(page.url()).searchParams.get('files') ?? '', /^tiny-distilbert-/, 'named after the folder');
    await fill(page, 'text', 'This movie is great!');
    await select(page, 'method', 'Occlusion');
    const r = await explain(page);
    assert.deepEqual(r.output.elements, ['this', 'movie', 'is', 'great', '!']);
    assert.deepEqual(r.output.classes, ['NEGATIVE', 'POSITIVE']);
    assert.ok(r.output.attributions.flat().every(Number.isFinite));
    await screenshot(page, 'byom-folder-drop');
    assert.deepEqual(problems.page, []);
    assert.deepEqual(problems.offsite, []);
    await context.close();
  });
});
