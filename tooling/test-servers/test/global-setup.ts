import { createGlobalSetup } from '../src/global-setup.js';

// One shared Redis for global-setup.test.ts, which checks the provide/inject wiring.
export default createGlobalSetup({ redis: { allowExisting: false } });
