import { createGlobalSetup } from '../src/global-setup.js';

// One shared Redis for global-setup.test.ts, which checks the provide/inject wiring; the two
// protocol test servers for global-setup-cloud.test.ts.
export default createGlobalSetup({
  redis: { allowExisting: false },
  gcs: { allowExisting: false },
  adls: { allowExisting: false },
});
