/**
 * The cloud side of the cloud cases (`--cloud s3|gcs|adls`): the store under test and the raw
 * SDK client behind one small shape, so the three case scripts are the same for every cloud:
 *
 * - `createStore(prefix)`: the store with its defaults, at `prefix` in the bench bucket;
 * - `ensureBucket()`: creates the bench bucket (or file system) when missing (untimed);
 * - `upload(key, bytes)`: one object, with the SDK's own upload, sent as the store sends it;
 * - `preparePublish(directory)`, `publish(from, to)`: the hygge-style peer's move of one file;
 * - `removePrefix(prefix)`: removes what a case wrote (untimed), so the server's memory stays
 *   bounded over many runs;
 * - `close()`.
 */
import { openAdls } from './cloud-adls.mjs';
import { openGcs } from './cloud-gcs.mjs';
import { openS3 } from './cloud-s3.mjs';

/** The bucket (S3, GCS) or file system (ADLS) every cloud case writes into. */
export const BENCH_BUCKET = 'wharf-bench';

const OPENERS = { s3: openS3, gcs: openGcs, adls: openAdls };

/** The cloud named by `--cloud`, reached through the server arguments of its suite. */
export async function openCloud(args) {
  const open = OPENERS[args.cloud];
  if (!open) throw new Error(`--cloud: one of ${Object.keys(OPENERS).join(', ')}`);
  return open(args, BENCH_BUCKET);
}

/** Runs `work(item, index)` over `items`, at most `limit` at once, in order of start. */
export async function inParallel(items, limit, work) {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      await work(items[index], index);
    }
  });
  await Promise.all(lanes);
}
