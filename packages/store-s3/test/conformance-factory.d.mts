import type { ConformanceContext } from '@wharf/store-core/conformance';
import type { S3Store } from '../src/index.js';

export declare const KIT_PREFIX: string;
export declare function createStore(context: ConformanceContext): S3Store;
