/**
 * The environment variables that point a test run at servers that already exist, instead of
 * starting throwaway ones.
 */

/** A `postgres://` URL of an existing server. */
export const postgresUrlVariable = 'WHARF_TEST_POSTGRES_URL';
/** A `redis://` URL of an existing standalone server. */
export const redisUrlVariable = 'WHARF_TEST_REDIS_URL';
/** A comma-separated list of `host:port` cluster nodes of an existing Redis cluster. */
export const redisClusterNodesVariable = 'WHARF_TEST_REDIS_CLUSTER_NODES';

/** The `http://host:port` base URL of an existing Google Cloud Storage JSON API endpoint. */
export const gcsUrlVariable = 'WHARF_TEST_GCS_URL';
/** The `http://host:port/<account>` URL of an existing ADLS Gen2 (DFS and Blob) endpoint. */
export const adlsUrlVariable = 'WHARF_TEST_ADLS_URL';
/** The account key for {@link adlsUrlVariable}; optional, the development key otherwise. */
export const adlsAccountKeyVariable = 'WHARF_TEST_ADLS_ACCOUNT_KEY';

/** The `http(s)://host:port` endpoint of an existing S3 server (path-style requests). */
export const s3UrlVariable = 'WHARF_TEST_S3_URL';
/** The access key id for {@link s3UrlVariable}; optional, the throwaway server's otherwise. */
export const s3AccessKeyIdVariable = 'WHARF_TEST_S3_ACCESS_KEY_ID';
/** The secret access key for {@link s3UrlVariable}; optional, as the access key id. */
export const s3SecretAccessKeyVariable = 'WHARF_TEST_S3_SECRET_ACCESS_KEY';
/** The region to sign requests to {@link s3UrlVariable} for; optional, `us-east-1` otherwise. */
export const s3RegionVariable = 'WHARF_TEST_S3_REGION';

/** The value of `name`, or undefined when it is unset or blank. */
export function readVariable(name: string): string | undefined {
  const value = process.env[name]?.trim();
  return value ? value : undefined;
}

/** The error an existing server's `restart()` rejects with. */
export function restartNeedsThrowawayError(variable: string): Error {
  return new Error(
    `restart() needs a throwaway server, but this handle points at the existing server from ${variable}. ` +
      'Unset the variable or pass { allowExisting: false } to start one.',
  );
}
