/**
 * `idRows` (src/explainers/prepare.ts): tokenizer output (a Tensor-like { dims, data } or plain arrays) to id
 * lists without padding. Pure, so checked here on hand-made values rather than through a model; written from the
 * surviving mutants of docs/mutation-report.md.
 */
import { describe, expect, it } from 'vitest';
import { idRows } from '../src/explainers/prepare.ts';
import { InputError } from '../src/index.ts';

const tensor = (dims: number[], data: ArrayLike<number | bigint>) => ({ dims, data }) as never;

describe('idRows', () => {
  it('a [batch, sequence] tensor is split into its rows (bigint ids become numbers)', () => {
    expect(idRows({ input_ids: tensor([2, 3], BigInt64Array.of(1n, 2n, 3n, 4n, 5n, 6n)) })).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    // A 1-D tensor is one sequence.
    expect(idRows({ input_ids: tensor([3], Int32Array.of(7, 8, 9)) })).toEqual([[7, 8, 9]]);
  });

  it('a tensor of any other rank is refused, naming its shape', () => {
    const bad = () => idRows({ input_ids: tensor([1, 2, 2], Int32Array.of(1, 2, 3, 4)) });
    expect(bad).toThrow(InputError);
    expect(bad).toThrow(/input_ids must have shape \[batch, sequence\] \(got \[1, 2, 2\]\)/);
    expect(() =>
      idRows({
        input_ids: tensor([1, 2], Int32Array.of(1, 2)),
        attention_mask: tensor([2, 1, 1], Int32Array.of(1, 1)),
      }),
    ).toThrow(/attention_mask must have shape \[batch, sequence\]/);
  });

  it('plain arrays: number[] is one sequence, number[][] several, [] none; anything else is refused', () => {
    expect(idRows({ input_ids: [5, 6] })).toEqual([[5, 6]]);
    expect(idRows({ input_ids: [[5, 6], [7]] })).toEqual([[5, 6], [7]]);
    expect(idRows({ input_ids: [] })).toEqual([]);
    for (const bad of [[1, [2]], ['a', 'b'], 'text', 3, { data: [1] }]) {
      expect(() => idRows({ input_ids: bad as never })).toThrow(
        /input_ids must be a Tensor, number\[\] or number\[\]\[\]/,
      );
    }
  });

  it('padding (attention_mask 0) is removed, wherever it is', () => {
    expect(
      idRows({
        input_ids: [
          [101, 7, 102, 0],
          [0, 101, 8, 102],
        ],
        attention_mask: [
          [1, 1, 1, 0],
          [0, 1, 1, 1],
        ],
      }),
    ).toEqual([
      [101, 7, 102],
      [101, 8, 102],
    ]);
    expect(
      idRows({
        input_ids: tensor([2, 2], BigInt64Array.of(1n, 2n, 3n, 0n)),
        attention_mask: tensor([2, 2], BigInt64Array.of(1n, 1n, 1n, 0n)),
      }),
    ).toEqual([[1, 2], [3]]);
  });

  it('an attention_mask not of the shape of input_ids is refused', () => {
    expect(() =>
      idRows({
        input_ids: [[1, 2]],
        attention_mask: [
          [1, 1],
          [1, 1],
        ],
      }),
    ).toThrow(/attention_mask does not have the shape of input_ids/);
    expect(() =>
      idRows({
        input_ids: [[1, 2], [3]],
        attention_mask: [
          [1, 1],
          [1, 1],
        ],
      }),
    ).toThrow(/attention_mask does not have the shape of input_ids/);
  });
});
