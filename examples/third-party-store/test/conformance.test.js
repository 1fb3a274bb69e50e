import { describeConformance } from '@wharf/store-core/conformance';
import { conformance } from './kit-options.js';

await describeConformance(conformance);
