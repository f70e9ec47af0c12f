/**
 * `@interpreto-js/cli/browser`: the parts of the CLI that need no Node (no file system, no threads), for pages
 * such as the playground: dataset parsing from bytes, row selection (--limit), the report's HTML.
 */
export { DataFileError, datasetFormat, parseDataset, type ColumnNames, type DatasetFormat } from './parse.ts';
export { renderReport } from './report-html.ts';
export { selectRows } from './select.ts';
export type { Manifest, RunConfig } from './store.ts';
