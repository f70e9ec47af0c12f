import { describe, expect, it } from 'vitest';
import { addSample, formatSecondsLeft, secondsLeft, type ProgressSample } from '../src/results/time-left.ts';

describe('time left of a run', () => {
  it('is hidden until two batches are done', () => {
    expect(secondsLeft([], 100, 0)).toBeUndefined();
    expect(secondsLeft([{ t: 1000, done: 10 }], 100, 1000)).toBeUndefined();
    // Two batches of 10 calls, 500 ms apart: 20 calls/s, 80 left -> 4 s.
    expect(
      secondsLeft(
        [
          { t: 1000, done: 10 },
          { t: 1500, done: 20 },
        ],
        100,
        1500,
      ),
    ).toBeCloseTo(4, 12);
  });

  it('takes the rate over the latest batches only, so a slow first batch stops counting', () => {
    // The second batch took 2 s (warm-up), then one batch of 10 every 100 ms.
    const samples: ProgressSample[] = [
      { t: 0, done: 10 },
      { t: 2000, done: 20 },
    ];
    for (let k = 1; k <= 3; k++) samples.push({ t: 2000 + 100 * k, done: 20 + 10 * k });
    // Within the window: 40 calls in 2.3 s.
    expect(secondsLeft(samples, 200, 2300)).toBeCloseTo((150 * 2.3) / 40, 9);
    for (let k = 4; k <= 6; k++) samples.push({ t: 2000 + 100 * k, done: 20 + 10 * k });
    // Past the window: 100 calls/s, 120 left.
    expect(secondsLeft(samples, 200, 2600)).toBeCloseTo(1.2, 9);
    // A window of 1 follows the latest interval alone.
    const slowLast = [...samples, { t: 3600, done: 90 }];
    expect(secondsLeft(slowLast, 200, 3600, 1)).toBeCloseTo(11, 9);
  });

  it('counts down between reports and never goes below 0', () => {
    const s = [
      { t: 0, done: 10 },
      { t: 1000, done: 20 },
    ];
    expect(secondsLeft(s, 40, 1000)).toBeCloseTo(2, 12);
    expect(secondsLeft(s, 40, 1500)).toBeCloseTo(1.5, 12);
    expect(secondsLeft(s, 40, 10_000)).toBe(0);
  });

  it('says nothing when done or when the reports show no progress', () => {
    expect(
      secondsLeft(
        [
          { t: 0, done: 10 },
          { t: 10, done: 40 },
        ],
        40,
        10,
      ),
    ).toBeUndefined();
    expect(
      secondsLeft(
        [
          { t: 0, done: 10 },
          { t: 0, done: 20 },
        ],
        40,
        0,
      ),
    ).toBeUndefined();
  });

  it('starts over when the count goes back (a new stage), and ignores a repeated report', () => {
    const s = addSample(addSample([], { t: 0, done: 5 }), { t: 10, done: 10 });
    expect(s).toHaveLength(2);
    expect(addSample(s, { t: 20, done: 10 })).toHaveLength(2);
    expect(addSample(s, { t: 30, done: 2 })).toEqual([{ t: 30, done: 2 }]);
  });

  it('reads in seconds, then minutes and seconds', () => {
    expect(formatSecondsLeft(0.4)).toBe('less than a second left');
    expect(formatSecondsLeft(3.2)).toBe('about 4 s left');
    expect(formatSecondsLeft(119.5)).toBe('about 2 min 0 s left');
    expect(formatSecondsLeft(125)).toBe('about 2 min 5 s left');
  });
});
