import type { Options } from 'tsup';

/** The shared tsup base: ESM + CJS + declarations, Node 20 target. */
export declare function wharfTsup(options: Options): Options | Options[];
