import { wharfTsup } from '@wharf/tsconfig/tsup';

// The encoder worker is its own entry: worker threads load it by file name next to index.js.
// `object` (dist/object.js, next to the worker file too) is the object-storage engine behind the cloud stores (`@wharf/store-parquet/object`).
export default wharfTsup({
  entry: {
    index: 'src/index.ts',
    object: 'src/object/index.ts',
    'parquet-encode-worker': 'src/parquet-encode-worker.ts',
  },
  shims: true,
});
