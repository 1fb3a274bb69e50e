/**
 * `@wharf/cli` as a library: the commands of the `wharf` command, for scripts and tests.
 */
export { type ConformanceCommandOptions, conformance } from './commands/conformance.js';
export { type CopyOptions, copy } from './commands/copy.js';
export { inspect } from './commands/inspect.js';
export { causeChain, describeFailure } from './errors.js';
export { main } from './main.js';
export { isFileSource, openSource, type Source, type SourceOptions } from './sources/index.js';
export { KNOWN_SCHEMES, parseStoreUrl, type StoreUrl, type StoreUrlOptions } from './store-urls.js';
