/**
 * What a perturbation method puts where a unit is removed (`baseline`, an option of Occlusion, Lime, KernelShap and
 * Sobol), and the model calls that score mask rows with it:
 * - `'replacement'` (default): every token of the unit becomes the replacement token (`replaceTokenId`, else the
 *   tokenizer's mask, unk, pad or eos token). Length and positions are kept.
 * - `{ kind: 'token', token }`: a named token, by its text as the tokenizer reads it (GPT-2: " the" with its space);
 *   refused unless the text is exactly one token.
 * - `'pad' | 'unk' | 'eos'`: that special token of the tokenizer; refused when it has none.
 * - `'zero-embedding'`: the unit's input embeddings become zeros (no token stands in): the rows run through the
 *   gradient model's `inputs_embeds` input, forward only (model/gradient.ts), so it needs what gradient methods need.
 * - `'delete'`: the unit's tokens are removed, a shorter sequence. Generation: each target token is scored at the
 *   position after the kept tokens before it; where nothing is kept before a target token, the sequence opens with
 *   the tokenizer's bos token (else eos, GPT-2's <|endoftext|>), the start the model knows. Classification: allowed
 *   too (every later token moves; see docs/spec.md for when that matters).
 *
 * Exports: `PerturbationBaseline`, `BASELINE_KINDS`, `BaselineKind`, `isPerturbationBaseline`, `ResolvedBaseline`,
 * `resolveBaseline(adapter, baseline)`, `PerturbedRuns` (`open`, `device`, `logits(rows)`).
 */
import { InputError, type Logits, type ModelAdapter } from '../model/adapter.ts';
import type { GradientRunner, GradientRow } from '../model/gradient.ts';
import type { SessionOptions } from '../runtime/session-options.ts';
import { InferenceModes } from '../types.ts';
import type { PreparedItem } from './prepare.ts';
import { perturb } from './scoring.ts';

export const BASELINE_KINDS = ['replacement', 'token', 'pad', 'unk', 'eos', 'zero-embedding', 'delete'] as const;
export type BaselineKind = (typeof BASELINE_KINDS)[number];

export type PerturbationBaseline =
  | Exclude<BaselineKind, 'token'>
  | { kind: 'token'; token: string }
  | { kind: Exclude<BaselineKind, 'token'> };

export function isPerturbationBaseline(v: unknown): v is PerturbationBaseline {
  if (typeof v === 'string') return v !== 'token' && (BASELINE_KINDS as readonly string[]).includes(v);
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const { kind, token } = v as { kind?: unknown; token?: unknown };
  if (kind === 'token') return typeof token === 'string';
  return typeof kind === 'string' && (BASELINE_KINDS as readonly string[]).includes(kind) && token === undefined;
}

export type ResolvedBaseline =
  | { kind: Exclude<BaselineKind, 'zero-embedding' | 'delete'>; tokenId: number }
  | { kind: 'zero-embedding' | 'delete' };

/** The baseline's kind and, for the token kinds, the token id (every refusal an InputError saying what to do). */
export function resolveBaseline(adapter: ModelAdapter, baseline: PerturbationBaseline | undefined): ResolvedBaseline {
  const b = typeof baseline === 'string' ? { kind: baseline } : (baseline ?? { kind: 'replacement' as const });
  switch (b.kind) {
    case 'replacement':
      return { kind: 'replacement', tokenId: adapter.replaceTokenId };
    case 'token': {
      const text = (b as { token: string }).token;
      const ids = adapter.encode(text, false);
      if (ids.length !== 1) {
        const pieces = ids.map((id) => JSON.stringify(adapter.tokenizer.decode([id])));
        throw new InputError(
          `baseline { kind: 'token', token: ${JSON.stringify(text)} } is ${ids.length} tokens` +
            (ids.length ? ` (${pieces.join(', ')})` : '') +
            ': the baseline token must be exactly one token of this tokenizer. Pick one of its tokens (byte-level ' +
            'BPE and SentencePiece: a word token usually carries its leading space, " the"), or pass replaceTokenId.',
        );
      }
      return { kind: 'token', tokenId: ids[0]! };
    }
    case 'pad':
    case 'unk':
    case 'eos': {
      const t = adapter.tokenizer as unknown as Record<string, unknown>;
      const id = t[`${b.kind}_token_id`];
      if (typeof id !== 'number' || id < 0) {
        throw new InputError(
          `baseline '${b.kind}': this tokenizer has no ${b.kind} token. Choose another baseline: 'replacement', ` +
            `${['pad', 'unk', 'eos']
              .filter((k) => k !== b.kind && typeof t[`${k}_token_id`] === 'number')
              .map((k) => `'${k}', `)
              .join('')}` +
            "{ kind: 'token', token } or 'zero-embedding'.",
        );
      }
      return { kind: b.kind, tokenId: id };
    }
    case 'zero-embedding':
    case 'delete':
      return { kind: b.kind };
  }
}

/** One row to score: an item, and its mask over units (undefined: the unperturbed sequence). */
export interface PerturbedRow {
  item: PreparedItem;
  mask?: Uint8Array;
}

/** Scores mask rows with one baseline: one model call per batch, whichever it is. */
export class PerturbedRuns {
  private constructor(
    private readonly adapter: ModelAdapter,
    private readonly baseline: ResolvedBaseline,
    private readonly runner?: GradientRunner,
  ) {}

  static async open(
    adapter: ModelAdapter,
    baseline: ResolvedBaseline,
    sessionOptions: SessionOptions,
  ): Promise<PerturbedRuns> {
    const runner = baseline.kind === 'zero-embedding' ? await adapter.gradients(sessionOptions) : undefined;
    return new PerturbedRuns(adapter, baseline, runner);
  }

  /** Where the rows run: the model's session, or the gradient model's for zero embeddings. */
  get device(): string {
    return this.runner?.device ?? this.adapter.device;
  }

  async logits(rows: readonly PerturbedRow[]): Promise<Logits> {
    const b = this.baseline;
    if (b.kind === 'zero-embedding') return this.zeroEmbedding(rows);
    if (b.kind === 'delete') {
      const cut = rows.map(({ item, mask }) =>
        mask ? this.deleted(item, mask) : { ids: item.ids, positions: item.positions },
      );
      return this.adapter.forward(
        cut.map((c) => c.ids),
        cut.map((c) => c.positions),
      );
    }
    const replaceTokenId = 'tokenId' in b ? b.tokenId : this.adapter.replaceTokenId;
    const seqs = rows.map(({ item, mask }) =>
      mask ? perturb({ ids: item.ids, unitOfToken: item.units.unitOfToken, replaceTokenId }, mask) : [...item.ids],
    );
    return this.adapter.forward(
      seqs,
      rows.map((r) => r.item.positions),
    );
  }

  /** The sequence without the masked units' tokens, and where each target is scored in it. */
  private deleted(item: PreparedItem, mask: Uint8Array): { ids: number[]; positions?: number[] } {
    const kept = (s: number) => {
      const u = item.units.unitOfToken[s]!;
      return u < 0 || mask[u] !== 1;
    };
    const ids = item.ids.filter((_, s) => kept(s));
    if (!item.positions) {
      if (ids.length === 0) {
        throw new InputError(
          "baseline 'delete' removed every token of an input and this tokenizer adds no special token to keep: " +
            "the model cannot score an empty sequence. Use another baseline ('replacement', 'pad', ...).",
        );
      }
      return { ids };
    }
    // Kept tokens before each position of the explained sequence.
    const before: number[] = [];
    let n = 0;
    item.ids.forEach((_, s) => {
      before.push(n);
      if (kept(s)) n++;
    });
    const P = item.promptLength!;
    let positions = item.targets.map((_, r) => before[P + r]! - 1);
    if (positions.some((p) => p < 0)) {
      const t = this.adapter.tokenizer as unknown as Record<string, unknown>;
      const start = [t.bos_token_id, t.eos_token_id].find((id): id is number => typeof id === 'number' && id >= 0);
      if (start === undefined) {
        throw new InputError(
          "baseline 'delete' removed every token before a target token, and this tokenizer has no bos or eos token " +
            'to start the sequence with. Use another baseline.',
        );
      }
      ids.unshift(start);
      positions = positions.map((p) => p + 1);
    }
    return { ids, positions };
  }

  /** Forward-only rows of the gradient model with the masked units' embeddings set to zero. */
  private async zeroEmbedding(rows: readonly PerturbedRow[]): Promise<Logits> {
    const runner = this.runner!;
    const H = runner.hiddenSize;
    const grows: GradientRow[] = rows.map(({ item, mask }) => {
      const embeds = runner.embed(item.ids);
      if (mask) {
        item.units.unitOfToken.forEach((u, s) => {
          if (u >= 0 && mask[u] === 1) embeds.fill(0, s * H, (s + 1) * H);
        });
      }
      return { ids: item.ids, embeds, ...(item.positions ? { positions: item.positions } : {}) };
    });
    // The inference mode is applied to these logits as to the model's (targetScores); the graph's own is unused.
    const results = await runner.run(grows, InferenceModes.LOGITS);
    const B = rows.length;
    const generation = rows[0]!.item.positions !== undefined;
    if (!generation) {
      const C = results[0]!.logits.length;
      const data = new Float32Array(B * C);
      results.forEach((r, b) => data.set(r.logits, b * C));
      return { data, dims: [B, C], positions: rows.map(() => undefined) };
    }
    // [B, T, V] over each row's target positions (rows of different inputs padded to the longest).
    const V = runner.vocabSize;
    const T = Math.max(...rows.map((r) => r.item.positions!.length));
    const data = new Float32Array(B * T * V);
    results.forEach((r, b) => data.set(r.logits, b * T * V));
    return { data, dims: [B, T, V], positions: rows.map((r) => r.item.positions!.map((_, j) => j)) };
  }
}
