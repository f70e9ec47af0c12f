/**
 * prepare-models never deletes what it did not write: a folder under a fixture's name that it did not create is
 * left alone, and a regeneration of its own folder removes only the files its manifest lists.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_FIXTURES, prepareModels, readManifest } from './prepare-models.ts';

const dir = mkdtempSync(join(tmpdir(), 'prepare-models-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('prepare-models', () => {
  it('leaves a folder it did not write, and keeps files added to its own folders', async () => {
    const [mine, theirs] = [DEFAULT_FIXTURES[0]!, DEFAULT_FIXTURES[3]!];
    mkdirSync(join(dir, theirs, 'onnx'), { recursive: true });
    writeFileSync(join(dir, theirs, 'notes.txt'), 'user file');
    const first = await prepareModels(false, dir);
    expect(first.skipped).toEqual([theirs]);
    expect(readFileSync(join(dir, theirs, 'notes.txt'), 'utf8')).toBe('user file');
    expect(existsSync(join(dir, theirs, 'onnx', 'model.onnx'))).toBe(false);
    expect(first.generated).toContain(mine);
    const manifest = readManifest(dir);
    expect(manifest[mine]).toContain('onnx/model.onnx');
    expect(manifest[theirs]).toBeUndefined();

    writeFileSync(join(dir, mine, 'onnx', 'my-export.onnx'), 'kept');
    const model = readFileSync(join(dir, mine, 'onnx', 'model.onnx'));
    const second = await prepareModels(true, dir);
    expect(second.generated).toContain(mine);
    expect(readFileSync(join(dir, mine, 'onnx', 'my-export.onnx'), 'utf8')).toBe('kept');
    expect(readFileSync(join(dir, mine, 'onnx', 'model.onnx')).equals(model)).toBe(true);
    expect(readFileSync(join(dir, theirs, 'notes.txt'), 'utf8')).toBe('user file');
  }, 600_000);
});
