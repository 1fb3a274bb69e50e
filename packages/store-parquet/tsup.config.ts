import { wharfTsup } from '@wharf/tsconfig/tsup';

// The encoder worker is its own entry: worker threads load it by file name next to index.js.
export default wharfTsup({
  entry: ['src/index.ts', 'src/parquet-encode-worker.ts'],
  shims: true,
});
