/** `@acme/store-jsonl`: a wharf store for JSON Lines files. */

export { JSONL_ARROW_TYPES } from './jsonl-codec.js';
export { JsonLinesStore } from './jsonl-store.js';
