import { wharfTsup } from '@wharf/tsconfig/tsup';

export default wharfTsup({
  entry: {
    index: 'src/index.ts',
    conformance: 'src/conformance/index.ts',
    'conformance-runner': 'src/conformance/runner.ts',
    'conformance-child': 'src/conformance/child.ts',
  },
  // The kit imports core by the package's own name, so it shares the copy the store under
  // test uses; vitest is an optional peer of the kit.
  external: ['vitest', '@wharf/store-core'],
  // The kit finds its child entry next to its own module file, also in the CommonJS build.
  shims: true,
});
