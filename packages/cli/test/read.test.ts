import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, test } from 'vitest';
import { inShard, parseShard, readDataset, selectRows, shardFromEnv } from '../src/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'interpreto-read-'));
const file = (name: string, content: string | Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

describe('reading datasets', () => {
  test('JSONL: fields as found, ids from the id column or the line, unparseable lines as row errors', async () => {
    const path = file(
      'a.jsonl',
      '{"id":"x","text":"good","label":"positive"}\n\n{"text":"bad","target":0}\n{oops\n[1]\n',
    );
    expect(await readDataset(path)).toEqual([
      { id: 'x', text: 'good', label: 'positive', target: undefined },
      { id: 'line-3', text: 'bad', target: 0, label: undefined },
      { id: 'line-4', error: expect.stringMatching(/^line 4: unparseable JSON/) },
      { id: 'line-5', error: 'line 5: not a JSON object' },
    ]);
  });

  test('CSV: header row, quoted fields, a missing column, an unclosed quote as a row error', async () => {
    const path = file('a.csv', 'id,text,label\n1,"fine, really",positive\n2\n3,"unclosed,neutral\n');
    const rows = await readDataset(path);
    expect(rows[0]).toEqual({ id: '1', text: 'fine, really', label: 'positive', target: undefined });
    expect(rows[1]).toEqual({ id: '2', text: undefined, label: undefined, target: undefined });
    expect(rows[2]).toMatchObject({ error: expect.stringMatching(/unparseable CSV/) });
    expect(await readDataset(file('b.csv', 'review\nnice\n'), { text: 'review' })).toEqual([
      { id: 'line-2', text: 'nice', target: undefined, label: undefined },
    ]);
  });

  test('Parquet through hyparquet: strings and INT64 targets', async () => {
    const bytes = parquetWriteBuffer({
      columnData: [
        { name: 'id', data: ['a', 'b'], type: 'STRING' },
        { name: 'text', data: ['great film', 'awful film'], type: 'STRING' },
        { name: 'target', data: [2n, 0n], type: 'INT64' },
      ],
    });
    expect(await readDataset(file('a.parquet', new Uint8Array(bytes)))).toEqual([
      { id: 'a', text: 'great film', target: 2, label: undefined },
      { id: 'b', text: 'awful film', target: 0, label: undefined },
    ]);
  });

  test('a file that is not JSONL, CSV or Parquet: a clear error', async () => {
    await expect(readDataset(file('a.txt', 'hello'))).rejects.toThrow(/not a dataset file\. Give a \.jsonl/);
    await expect(readDataset(file('b.parquet', 'id,text\n1,a\n'))).rejects.toThrow(/not a Parquet file/);
    await expect(readDataset(file('c.jsonl', 'id,text\n1,hello\n'))).rejects.toThrow(/no line is a JSON object/);
    await expect(readDataset(file('d.csv', new Uint8Array([80, 75, 3, 4, 0, 0, 1])))).rejects.toThrow(/binary content/);
    await expect(readDataset(file('e.csv', 'id,sentence\n1,hello\n'))).rejects.toThrow(
      /no 'text' column \(columns: id, sentence\)/,
    );
    await expect(readDataset(join(dir, 'missing.jsonl'))).rejects.toThrow(/cannot read the dataset file \(ENOENT\)/);
  });
});

describe('shards', () => {
  test('i/n, and from Kubernetes, SLURM or INTERPRETO_SHARD', () => {
    expect(parseShard('1/4')).toEqual({ index: 1, count: 4 });
    expect(() => parseShard('4/4')).toThrow(/0\.\.3/);
    expect(() => parseShard('a')).toThrow(/expected i\/n/);
    expect(shardFromEnv({})).toBeUndefined();
    expect(shardFromEnv({ JOB_COMPLETION_INDEX: '2', INTERPRETO_SHARD_COUNT: '3' })).toEqual({ index: 2, count: 3 });
    expect(() => shardFromEnv({ JOB_COMPLETION_INDEX: '2' })).toThrow(/INTERPRETO_SHARD_COUNT/);
    expect(shardFromEnv({ SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '4' })).toEqual({
      index: 3,
      count: 4,
    });
    expect(shardFromEnv({ INTERPRETO_SHARD: '0/2', SLURM_ARRAY_TASK_ID: '1' })).toEqual({ index: 0, count: 2 });
  });

  test('shards are disjoint and cover every row; duplicates are decided over the whole file', () => {
    const rows = ['a', 'b', 'a', 'c', 'd', 'e', 'f'].map((id) => ({ id, text: id }));
    const parts = [0, 1, 2].map((index) => selectRows(rows, 6, { index, count: 3 }).map((r) => r.id));
    expect(parts).toEqual([
      ['a', 'c'],
      ['b', 'd'],
      ['a#3', 'e'],
    ]);
    expect(selectRows(rows, 6, { index: 2, count: 3 })[0]).toEqual({
      id: 'a#3',
      error: "duplicate id 'a' (first at row 1)",
    });
    expect([0, 1, 2, 3, 4, 5].filter((k) => inShard(k, { index: 1, count: 2 }))).toEqual([1, 3, 5]);
  });
});
