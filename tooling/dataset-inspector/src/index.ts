/**
 * `@wharf/dataset-inspector`: the independent inspector of the Parquet stores' tests. It
 * reads what a dataset holds the way an outside reader does (DuckDB, hyparquet, the formats
 * FORMAT.md documents), never through a store or parquet-wasm.
 */

export {
  describeObjectConformance,
  OBJECT_LAYOUTS,
  type ObjectConformanceOptions,
} from './object-conformance.js';
export {
  committedKeys,
  countObjectStaging,
  inspectObjectDataset,
  type ObjectReader,
} from './object-datasets.js';
export {
  duckdb,
  globParquet,
  type InspectedRow,
  inspectDataset,
  inspectFile,
  sqlString,
} from './parquet-files.js';
