/**
 * The conformance kit's store factory, imported by the test and by the kit's child processes
 * (plain Node.js, so it loads the built package). The radosgw to use and the bucket come from
 * the environment: WHARF_KIT_S3_URL, WHARF_KIT_S3_REGION, WHARF_KIT_S3_ACCESS_KEY_ID,
 * WHARF_KIT_S3_SECRET_ACCESS_KEY, WHARF_KIT_S3_BUCKET; WHARF_KIT_LAYOUT picks the layout.
 */
import { S3Store } from '../dist/index.js';

/** The folder of the bucket under which every check's dataset lies (as `kit/<table>`). */
export const KIT_PREFIX = 'kit';

/** A loopback port nothing listens on, for the checks that need an unreachable store. */
const CLOSED_PORT = 1;

function environment(name) {
  const value = process.env[name];
  if (!value) throw new Error(`the conformance factory needs ${name}`);
  return value;
}

/** @param {import('@wharf/store-core/conformance').ConformanceContext} context */
export function createStore(context) {
  const region = environment('WHARF_KIT_S3_REGION');
  const accessKeyId = environment('WHARF_KIT_S3_ACCESS_KEY_ID');
  return new S3Store({
    bucket: environment('WHARF_KIT_S3_BUCKET'),
    prefix: KIT_PREFIX,
    table: context.table,
    region,
    ...(context.unreachable
      ? {
          endpoint: `http://127.0.0.1:${CLOSED_PORT}`,
          credentials: { accessKeyId, secretAccessKey: context.secret },
          maxAttempts: 2,
        }
      : {
          endpoint: environment('WHARF_KIT_S3_URL'),
          credentials: {
            accessKeyId,
            secretAccessKey: environment('WHARF_KIT_S3_SECRET_ACCESS_KEY'),
          },
        }),
    layout: process.env.WHARF_KIT_LAYOUT ?? 'commits',
    ...(context.key ? { key: [...context.key] } : {}),
  });
}
