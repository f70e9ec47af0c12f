/** Hand-made AttributionOutputs with known numbers, shared by the tests. */
import type { AttributionOutput } from '@interpreto-js/core';

export const XSS = '<img src=x onerror=alert(1)>';

const common = {
  granularity: 'WORD',
  granularityAggregationStrategy: 'MEAN',
  inferenceMode: 'LOGITS',
  method: 'Occlusion',
} as unknown as Pick<AttributionOutput, 'granularity' | 'granularityAggregationStrategy' | 'inferenceMode' | 'method'>;

function inputs(nUnits: number): AttributionOutput['inputs'] {
  return {
    inputIds: Array.from({ length: nUnits }, (_, i) => 100 + i),
    attentionMask: Array(nUnits).fill(1),
    units: { unitOfToken: Array.from({ length: nUnits }, (_, i) => i), nUnits },
    replaceTokenId: 0,
  };
}

/** One class (id 1); bound = 2; the XSS token is unit 2, with a GPT-2 style leading space. */
export function singleClass(): AttributionOutput {
  return {
    ...common,
    attributions: [[0.5, 2, -1, 0]],
    elements: ['I', ' love', ` ${XSS}`, ' it'],
    targets: [1],
    modelTask: 'classification',
    inputs: inputs(4),
  };
}

/**
 * Three classes (ids 0, 1, 2), four units. Row bounds: 4, 1, 0.5.
 * Dominant (largest positive) per unit: unit0 -> row 0 (4), unit1 -> row 1 (1 > 0.5 > -2),
 * unit2 -> row 2 (0.25; row 0 and 1 negative), unit3 -> none (all <= 0).
 */
export function multiClass(): AttributionOutput {
  return {
    ...common,
    attributions: [
      [4, -2, -1, -3],
      [0.5, 1, -0.5, 0],
      [-0.5, 0.5, 0.25, Number.NaN],
    ],
    elements: ['good', ' bad', ` ${XSS}`, ' movie'],
    targets: [0, 1, 2],
    modelTask: 'classification',
    classes: ['neg', 'pos', 'neutral'],
    inputs: inputs(4),
  };
}

/**
 * Generation: prompt 'Roses', ' are', ' red' + outputs ',', ' the', ' sky'. Row r is NaN from
 * column 3 + r on (t(t+1)/2 = 6 NaNs). Matrix bound = 8 (row 2, column 0 is -8).
 */
export function generation(): AttributionOutput {
  const N = Number.NaN;
  return {
    ...common,
    method: 'Saliency',
    attributions: [
      [1, 2, 4, N, N, N],
      [0.5, -1, 2, 3, N, N],
      [-8, 1, 0, 2, 6, N],
    ],
    elements: ['Roses', ' are', ' red', ',', ' the', ' sky'],
    targets: [11, 262, 6766],
    modelTask: 'generation',
    inputs: { ...inputs(6), promptLength: 3, targetUnitTokens: [[3], [4], [5]] },
  };
}

/**
 * `generation()` with step scores: ',' is the model's first choice (p 0.5), ' the' its second (p 0.25, after
 * ' a' 0.5), ' sky' its first (p 0.8, then ' sea' 0.1).
 */
export function generationWithSteps(): AttributionOutput {
  type Alt = [number, string, number];
  const step = (position: number, rank: number, topK: Alt[], [tokenId, text, probability]: Alt) => ({
    tokenId,
    text,
    position,
    probability,
    logit: Math.log(probability),
    logProbability: Math.log(probability),
    entropy: 1,
    rank,
    topK: topK.map(([id, t, p]) => ({ tokenId: id, text: t, probability: p })),
  });
  const comma: Alt = [11, ',', 0.5];
  const the: Alt = [262, ' the', 0.25];
  const sky: Alt = [6766, ' sky', 0.8];
  return {
    ...generation(),
    stepScores: [
      step(3, 1, [comma], comma),
      step(4, 2, [[257, ' a', 0.5], the], the),
      step(5, 1, [sky, [5417, ' sea', 0.1]], sky),
    ],
  };
}

/** WordPiece-style: element texts carry no whitespace; `spaceBefore` says where the words were separated. */
export function wordPiece(): AttributionOutput {
  return {
    ...common,
    attributions: [[0.5, -1, 0, 2]],
    elements: ['this', 'is', 'the', 'best'],
    spaceBefore: [false, true, true, true],
    targets: [1],
    modelTask: 'classification',
    inputs: inputs(4),
  };
}

/** GPT-2 style with `spaceBefore`: the texts already carry their spaces, so none is added. */
export function gpt2Spaced(): AttributionOutput {
  return { ...singleClass(), spaceBefore: [false, true, true, true] };
}
