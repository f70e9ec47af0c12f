/**
 * Runs every example as a user does (`pnpm tsx examples/NN-*.ts`, on the embedded trained models) and checks what
 * it prints against the answer those models are known to give: a README example that stops working, or starts
 * printing a wrong explanation, fails here.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const run = promisify(execFile);

// biome-ignore lint/suspicious/noControlCharactersInRegex: the text heatmaps are ANSI-coloured
const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

/** The bar-chart blocks plotAttributions prints: one `"element" |+++ score` line per unit. */
function scoreBlocks(out: string): { element: string; score: number }[][] {
  const blocks: { element: string; score: number }[][] = [];
  let current: { element: string; score: number }[] | undefined;
  for (const line of out.split('\n')) {
    const m = /^ {2}"(.*)"\s+-*\|\+*\s+(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)$/.exec(line);
    if (m) {
      if (!current) blocks.push((current = []));
      current.push({ element: m[1]!, score: Number(m[2]) });
    } else current = undefined;
  }
  return blocks;
}

const top = (block: { element: string; score: number }[]) =>
  block.reduce((a, b) => (b.score > a.score ? b : a)).element;

const number = (out: string, re: RegExp) => {
  const m = re.exec(out);
  if (!m) throw new Error(`${re} not found in:\n${out}`);
  return Number(m[1]);
};

/** What each example must print with the embedded models (bert-tiny-sentiment, gpt2-tiny-colours). */
const checks: Record<string, (out: string) => void> = {
  '01-minimal-classification': (out) => {
    expect(out).toContain('Occlusion | classification | WORD | LOGITS');
    expect(top(scoreBlocks(out)[0]!)).toBe('best');
  },
  '02-multiple-inputs': (out) => {
    expect(out).toContain('class positive: this is the best movie i have ever seen .');
    expect(out).toContain('class negative: i hate this movie .');
    expect(scoreBlocks(out)).toHaveLength(3);
  },
  '03-granularity-inference-mode': (out) => {
    expect(out).toContain('Lime | classification | WORD | SOFTMAX');
    expect(out).toContain('class negative: would interpreto be a bad movie name ?');
  },
  '04-multiple-classes': (out) => {
    // "the best or the worst movie": the two cue words decide both classes, pushing towards negative.
    const blocks = scoreBlocks(out);
    const classes = [...out.matchAll(/^class (\w+):/gm)].map((m) => m[1]);
    expect(classes).toEqual(['negative', 'positive']);
    const ranked = (block: { element: string; score: number }[]) =>
      [...block].sort((a, b) => b.score - a.score).map((u) => u.element);
    expect(ranked(blocks[0]!).slice(0, 2).sort()).toEqual(['best', 'worst']);
    expect(ranked(blocks[1]!).slice(-2).sort()).toEqual(['best', 'worst']);
  },
  '05-classification-metrics': (out) => {
    expect(number(out, /Deletion AUC: ([\d.]+)/)).toBeLessThan(0.3);
    expect(number(out, /Insertion AUC: ([\d.]+)/)).toBeGreaterThan(0.7);
  },
  '06-minimal-generation': (out) => {
    expect(out).toContain('→ " blue": Roses are red, the sky is');
    expect(out).toContain('→ ".": Roses are red, the sky is blue');
  },
  '07-explain-your-outputs': (out) => {
    expect(out).toContain('→ ".": Interpreto can explain the outputs you provide');
    expect(out).toContain('→ " samples": And even treat several');
  },
  '08-tokenized-inputs': (out) => {
    expect(out).toContain('Sobol | generation | ALL_TOKENS');
    expect(out).toContain('→ "I": Hi there, how are you?');
  },
  '09-generation-metrics': (out) => {
    const auc = number(out, /Insertion AUC: ([\d.]+)/);
    expect(auc).toBeGreaterThanOrEqual(0);
    expect(auc).toBeLessThanOrEqual(1);
    expect(out).toContain('curves: 5, 5 target units');
  },
  '10-contrastive': (out) => {
    expect(out).toContain('class positive rather than negative: the acting was great but the plot was thin .');
    expect(out).toContain('contrast tokens: " red"');
    expect(out).toContain('→ " white": Roses are red, the snow is');
  },
  '11-step-scores': (out) => {
    expect(out).toMatch(/" blue"\s+p=0\.99\d rank=1/);
    expect(out).toMatch(/" green"\s+p=0\.0000 log p=-\d+\.\d+ rank=\d+/);
  },
  '12-reaggregate': (out) => {
    expect(out).toContain('Saliency | classification | SENTENCE');
    expect(out).toContain('reaggregate: Occlusion perturbs whole units');
  },
  '13-anytime': (out) => {
    expect(out).toMatch(/largest difference to the 2000-sample result: 0\.\d+/);
    expect(out).toMatch(/SmoothGrad: \d+ of 200 noisy samples, standard error/);
  },
  '14-dataset': (out) => {
    expect(out).toContain('failed rows: 0');
    expect(number(out, /accuracy: (\d+)\/32/)).toBeGreaterThanOrEqual(30);
    const del = number(out, /IntegratedGradients\s+deletion\s+([\d.]+)/);
    const ins = number(out, /IntegratedGradients\s+insertion\s+([\d.]+)/);
    expect(del).toBeLessThan(ins);
  },
  '15-custom-units-and-baselines': (out) => {
    expect(out).toContain("elements: [ 'the', 'movie', 'was', 'not bad', 'at', 'all', '.' ] customUnits: true");
    expect(out).toContain('refused:');
    expect(out).toContain('baseline delete, elements');
    // Removing "not" alone turns the sentence negative: the word carries the positive class.
    expect(top(scoreBlocks(out)[0]!)).toBe('not');
  },
  '16-attributed-function': (out) => {
    expect(out).toContain('attributed function recorded in the output: entropy');
    expect(out).toContain('IntegratedGradients | classification | WORD | klToReference');
  },
};

const examples = readdirSync(here)
  .filter((f) => /^\d\d-.*\.ts$/.test(f))
  .map((f) => f.replace(/\.ts$/, ''));

describe('examples', () => {
  it('every example has a check', () => {
    expect(examples.sort()).toEqual(Object.keys(checks).sort());
  });

  // Two at a time: each is a separate Node process loading the models.
  describe.concurrent.each(examples.map((name) => [name]))('%s', (name) => {
    it('runs and prints the known answer', async () => {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', join(here, `${name}.ts`)], {
        cwd: root,
        timeout: 180_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      checks[name]!(stripAnsi(stdout));
    }, 200_000);
  });
});
