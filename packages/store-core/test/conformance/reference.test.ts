/**
 * The vitest front end over the reference store: every claimed check is a passing test, and
 * the checks the store does not claim (it runs in one process) show as skipped with the
 * capability in their title.
 */
import { describeConformance } from '../../src/conformance/index.js';
import { optionsFor } from './reference-options.js';
import { ReferenceStore } from './reference-store.js';

await describeConformance(optionsFor(ReferenceStore));
