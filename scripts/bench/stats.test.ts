/** The bench's summaries: median [min-max], per-round ratios, and the interleaved order of the contenders. */
import { describe, expect, test } from 'vitest';
import { fmt, interleave, ratioOf, summarize } from './stats.ts';

describe('bench stats', () => {
  test('median of odd and even counts, min and max, formatted', () => {
    expect(summarize([5, 1, 3])).toEqual({ median: 3, min: 1, max: 5, n: 3 });
    expect(summarize([4, 1, 3, 10]).median).toBe(3.5);
    expect(fmt(summarize([2, 1.25, 3]), 2)).toBe('2.00 [1.25-3.00]');
    expect(fmt(summarize([]))).toBe('-');
  });

  test('ratios are taken per round, then summarized', () => {
    // Round 2 is slow for both: a per-round ratio stays 2, a ratio of medians would not see the pairing.
    expect(ratioOf([2, 20, 4], [1, 10, 2])).toEqual({ median: 2, min: 2, max: 2, n: 3 });
  });

  test('contenders run once per round in a fixed order; a returned number is taken as the duration', async () => {
    const order: string[] = [];
    const times = await interleave(3, {
      a: async () => void order.push('a'),
      b: async () => {
        order.push('b');
        return 42;
      },
    });
    expect(order).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
    expect(times.b).toEqual([42, 42, 42]);
    expect(times.a).toHaveLength(3);
  });
});
