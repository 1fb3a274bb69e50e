import { wharfTsup } from '@wharf/tsconfig/tsup';

export default wharfTsup({ entry: ['src/index.ts'] });
