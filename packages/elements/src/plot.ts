import type { AttributionOutput } from '@interpreto-js/core';
import type { Theme } from './color.ts';
import type { InterpretoViewBase } from './components/base.ts';
import './components/generation.ts';
import './components/multi-class.ts';
import './components/single-class.ts';
import { validateOutput, viewKind, type ClassNames, type ViewKind } from './view-model.ts';

export interface PlotOptions {
  /** Class names indexed by class id: `["negative", "positive"]` or `{ 0: "negative", 1: "positive" }`. */
  classesNames?: ClassNames;
  theme?: Theme;
  /** Contrastive generation: the contrast continuation's text, named in the legend (the output holds its ids). */
  contrastText?: string;
}

export const VIEW_TAGS: Readonly<Record<ViewKind, string>> = {
  'single-class': 'interpreto-single-class',
  'multi-class': 'interpreto-multi-class',
  generation: 'interpreto-generation',
};

/**
 * The TypeScript twin of Interpreto's `plot_attributions`: returns a ready element for one
 * AttributionOutput (single-class, multi-class or generation view, chosen from the output), to be
 * appended to the page. Throws a TypeError describing the problem when the output is malformed.
 */
export function plotAttributions(output: AttributionOutput, options: PlotOptions = {}): InterpretoViewBase {
  validateOutput(output);
  if (typeof document === 'undefined') {
    throw new Error('plotAttributions needs a DOM (a browser page); in Node use exportView(output, "html" | "svg").');
  }
  const theme = options.theme ?? 'light';
  if (theme !== 'light' && theme !== 'dark')
    throw new TypeError(`Unknown theme "${String(theme)}": use 'light' or 'dark'.`);
  const el = document.createElement(VIEW_TAGS[viewKind(output)]) as InterpretoViewBase;
  el.output = output;
  el.classesNames = options.classesNames;
  el.theme = theme;
  if (options.contrastText !== undefined) el.contrastText = options.contrastText;
  return el;
}
