import { createGlobalSetup } from '@wharf/test-servers/vitest';

// The cloud copies run against the protocol test servers (GCS, ADLS) and radosgw (S3).
export default createGlobalSetup({ gcs: true, adls: true, s3: true });
