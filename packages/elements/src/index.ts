/**
 * @interpreto-js/elements: Lit web components and helpers to show attributions.
 * Importing this module registers the custom elements (interpreto-single-class,
 * interpreto-multi-class, interpreto-generation, interpreto-heatmap, interpreto-curve).
 */
export { plotAttributions, VIEW_TAGS, type PlotOptions } from './plot.ts';
export { InterpretoViewBase, type ExportEventDetail } from './components/base.ts';
export { InterpretoSingleClass } from './components/single-class.ts';
export { InterpretoMultiClass, type ClassSelectDetail } from './components/multi-class.ts';
export { InterpretoGeneration, type OutputSelectDetail } from './components/generation.ts';
export { InterpretoHeatmap } from './components/heatmap.ts';
export { InterpretoCurve } from './components/curve.ts';
export { parseClassesNames, parseOutputJSON, resolveOutput } from './heatmap-input.ts';
export {
  exportView,
  exportBlob,
  renderSVG,
  toSVG,
  toHTML,
  toJSON,
  type ExportFormat,
  type ExportOptions,
  type SVGResult,
} from './export.ts';
export {
  PALETTES,
  cellColor,
  composite,
  contrastRatio,
  formatValue,
  matrixBound,
  paletteFor,
  relativeLuminance,
  rowBounds,
  signedIntensity,
  symmetricBound,
  textColorOn,
  type CellColor,
  type Palette,
  type RGB,
  type Theme,
} from './color.ts';
export { curveAUC, curvePlot, curveToSVG, type MetricName, type MetricResult } from './curve.ts';
export {
  attributionOutputFromJSON,
  className,
  dominantRows,
  generationCellValue,
  generationLayout,
  generationStepCells,
  nullsToNaN,
  samplingMark,
  spaceBefore,
  stepCellText,
  validateOutput,
  viewKind,
  type ClassNames,
  type RowChoice,
  type StepCell,
  type ViewKind,
} from './view-model.ts';
