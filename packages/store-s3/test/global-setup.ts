import { createGlobalSetup } from '@wharf/test-servers/vitest';

export default createGlobalSetup({ s3: true });
