/**
 * @interpreto-js/elements: Lit web components and helpers to show attributions.
 * Importing this module registers the custom elements (interpreto-single-class,
 * interpreto-multi-class, interpreto-generation, interpreto-heatmap, interpreto-curve, interpreto-score-table,
 * interpreto-compare).
 */
export { plotAttributions, VIEW_TAGS, type PlotOptions } from './plot.ts';
export { InterpretoViewBase, type ExportEventDetail } from './components/base.ts';
export { InterpretoSingleClass } from './components/single-class.ts';
export { InterpretoMultiClass, type ClassSelectDetail } from './components/multi-class.ts';
export { InterpretoGeneration, type OutputSelectDetail } from './components/generation.ts';
export { InterpretoHeatmap } from './components/heatmap.ts';
export { InterpretoCurve } from './components/curve.ts';
export { InterpretoScoreTable } from './components/score-table.ts';
export { InterpretoCompare, checkAligned } from './components/compare.ts';
export { parseClassesNames, parseOutputJSON, resolveOutput } from './heatmap-input.ts';
export {
  exportView,
  exportBlob,
  renderSVG,
  toSVG,
  toHTML,
  toJSON,
  scaleLegend,
  validateExportOptions,
  type ExportFormat,
  type ExportOptions,
  type SVGResult,
} from './export.ts';
export {
  PALETTES,
  CLASS_COLORS,
  cellColor,
  classColor,
  colorBarCSS,
  colorBarStops,
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
  type CellColorOptions,
  type Palette,
  type RGB,
  type Theme,
} from './color.ts';
export {
  CURVE_COLORS,
  curveAUC,
  curvePlot,
  curveToSVG,
  validateCurveOptions,
  type MetricName,
  type MetricResult,
} from './curve.ts';
export {
  DEFAULT_NOISE_FLOOR,
  SCALE_MODES,
  applyNoiseFloor,
  flooredBound,
  formatCompact,
  isFlat,
  isUnsigned,
  scaleBounds,
  sharedBound,
  sortUnits,
  type ScaleMode,
  type SortDirection,
  type SortKey,
} from './scale.ts';
export {
  attributionOutputFromJSON,
  className,
  defaultScale,
  dominantRows,
  outputScales,
  paintCell,
  generationCellValue,
  contrastLegend,
  generationLayout,
  generationStepCells,
  nullsToNaN,
  samplingMark,
  spaceBefore,
  stepCellText,
  validateOutput,
  viewKind,
  type BlockScale,
  type ClassNames,
  type ContrastLegend,
  type RowChoice,
  type StepCell,
  type ViewKind,
} from './view-model.ts';
