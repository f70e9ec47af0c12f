/**
 * writeExternalData writes beside the target and renames into place: a write that fails half way (here a source
 * that cannot be read) keeps the previous data file byte for byte and leaves no temporary file behind.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeExternalData } from '../src/onnx/files.ts';
import type { ExternalDataPlan } from '../src/onnx/external-data.ts';

describe('writeExternalData', () => {
  it('writes the segments, zero gaps included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ext-write-'));
    const plan: ExternalDataPlan = {
      location: 'g.onnx_data',
      byteLength: 12,
      segments: [
        { offset: 0, bytes: new Uint8Array([1, 2, 3]) },
        { offset: 8, bytes: new Uint8Array([9, 9]) },
      ],
    };
    expect(writeExternalData(join(dir, 'g.onnx_data'), plan)).toBe(12);
    expect([...readFileSync(join(dir, 'g.onnx_data'))]).toEqual([1, 2, 3, 0, 0, 0, 0, 0, 9, 9, 0, 0]);
    expect(readdirSync(dir)).toEqual(['g.onnx_data']);
  });

  it('keeps the previous file and leaves no temporary when the write fails', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ext-write-'));
    const path = join(dir, 'g.onnx_data');
    writeFileSync(path, 'previous');
    const failing = {
      byteLength: 1 << 20,
      read(): Uint8Array {
        throw new Error('source vanished');
      },
    };
    const plan: ExternalDataPlan = {
      location: 'g.onnx_data',
      byteLength: 20,
      segments: [
        { offset: 0, bytes: new Uint8Array(4).fill(7) },
        { offset: 4, pending: { source: failing, offset: 0, length: 16 } },
      ],
    };
    expect(() => writeExternalData(path, plan)).toThrow(/source vanished/);
    expect(readFileSync(path, 'utf8')).toBe('previous');
    expect(readdirSync(dir)).toEqual(['g.onnx_data']);
  });
});
