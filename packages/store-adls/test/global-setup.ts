import { createGlobalSetup } from '@wharf/test-servers/vitest';

export default createGlobalSetup({ adls: true });
