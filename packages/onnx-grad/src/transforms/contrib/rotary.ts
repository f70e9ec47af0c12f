/**
 * com.microsoft `RotaryEmbedding` as standard ops, following onnxruntime's CPU kernel
 * (contrib_ops/cpu/bert/rotary_embedding.cc):
 *
 *   input [B, S, N·h] (or [B, N, S, h]), position_ids [B, S] (or one start position p: positions p .. p+S−1),
 *   cos_cache / sin_cache [max_positions, R/2], R = `rotary_embedding_dim` (default h, with h = 2·cache width).
 *   The first R channels of each head are rotated, the rest pass through:
 *   - default (rotate half): x1 = x[:R/2], x2 = x[R/2:R]; out = [x1·cos − x2·sin, x2·cos + x1·sin]
 *   - `interleaved`: pairs (x[2k], x[2k+1]) → (x[2k]·cos_k − x[2k+1]·sin_k, x[2k+1]·cos_k + x[2k]·sin_k)
 *
 * Refused: a rank of the input or position_ids that is unknown, and an unknown R (no `rotary_embedding_dim` and a
 * cos_cache whose shape is not static).
 *
 * Exports: `ROTARY`, `rotate`.
 */
import { attrInt } from '../../ir/attributes.ts';
import { ContribRefusal, type ContribOp, type DecomposeContext } from './context.ts';

function rotary(c: DecomposeContext): void {
  const { b, node } = c;
  const [input, positionIds, cosCache, sinCache] = [c.input(0)!, c.input(1)!, c.input(2)!, c.input(3)!];
  const numHeads = attrInt(node, 'num_heads', 0);
  const rotaryAttr = attrInt(node, 'rotary_embedding_dim', 0);
  const interleaved = attrInt(node, 'interleaved', 0) === 1;
  const rank = c.types.rank(input);
  const posRank = c.types.rank(positionIds);
  if (rank !== 3 && rank !== 4) throw new ContribRefusal(`its input has rank ${rank ?? 'unknown'}, not 3 or 4`);
  if (posRank === undefined) throw new ContribRefusal('the rank of its position_ids is unknown (declare its shape)');
  const cacheWidth = c.types.dim(cosCache, 1);
  const headSize = cacheWidth === undefined ? undefined : 2 * cacheWidth;
  const rot = rotaryAttr > 0 ? rotaryAttr : headSize;
  if (rot === undefined)
    throw new ContribRefusal('its rotary dimension is unknown (no rotary_embedding_dim, cos_cache shape not static)');

  // Work on [B, S, N, h] (3-D input) or [B, N, S, h] (4-D input); the cache rows broadcast over the head axis.
  const x = rank === 4 ? input : b.reshape(input, numHeads > 0 ? [0, 0, numHeads, -1] : [0, 0, -1, headSize!]);
  const seqAxis = rank === 4 ? 2 : 1;
  let rows: string; // positions: [S] or [B, S]
  if (posRank <= 1) {
    const seq = b.gather(b.shape(x), b.i64(seqAxis));
    rows = b.add(positionIds, b.op('Range', [b.i64(0), seq, b.i64(1)]));
  } else rows = positionIds;
  const headAxis = rank === 4 ? 1 : 2; // where [.., S, R/2] rows need a broadcast head axis
  const table = (cache: string) => {
    const t = b.gather(cache, rows); // [S, R/2] or [B, S, R/2]
    if (posRank <= 1) return rank === 4 ? t : b.unsqueeze(t, [1]); // [S, R/2] / [S, 1, R/2]
    return b.unsqueeze(t, [headAxis]);
  };
  const cos = table(cosCache);
  const sin = table(sinCache);

  const out = rotate(c, x, cos, sin, rot, rotaryAttr > 0, interleaved);
  c.bind(0, rank === 4 ? out : b.reshape(out, b.shape(input)));
}

/**
 * Rotates the first `rot` channels of the last axis of the rank-4 `x` by the angles whose cosines and sines
 * broadcast against [..., rot/2] (`partial`: channels from `rot` on pass through).
 */
export function rotate(
  c: DecomposeContext,
  x: string,
  cos: string,
  sin: string,
  rot: number,
  partial: boolean,
  interleaved: boolean,
): string {
  const { b } = c;
  const passThrough = partial ? b.slice(x, [rot], [Number.MAX_SAFE_INTEGER], [3]) : undefined;
  const xr = partial ? b.slice(x, [0], [rot], [3]) : x;
  let out: string;
  if (!interleaved) {
    const [x1, x2] = b.split(xr, [rot / 2, rot / 2], 3);
    const o1 = b.sub(b.mul(x1!, cos), b.mul(x2!, sin));
    const o2 = b.add(b.mul(x2!, cos), b.mul(x1!, sin));
    out = b.concat([o1, o2], 3);
  } else {
    const pairs = b.reshape(xr, [0, 0, 0, -1, 2]);
    const [even, odd] = b.split(pairs, [1, 1], 4);
    const cos5 = b.unsqueeze(cos, [-1]);
    const sin5 = b.unsqueeze(sin, [-1]);
    const oe = b.sub(b.mul(even!, cos5), b.mul(odd!, sin5));
    const oo = b.add(b.mul(odd!, cos5), b.mul(even!, sin5));
    out = b.reshape(b.concat([oe, oo], 4), [0, 0, 0, -1]);
  }
  return passThrough ? b.concat([out, passThrough], 3) : out;
}

export const ROTARY: Record<string, ContribOp> = {
  RotaryEmbedding: { required: ['input', 'position_ids', 'cos_cache', 'sin_cache'], run: rotary },
};
