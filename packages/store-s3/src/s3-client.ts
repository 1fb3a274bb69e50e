/**
 * Building the `S3Client` from the store's options: retries, timeouts, and the settings that
 * S3-compatible services need.
 */
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { ResolvedS3Options } from './s3-options.js';

/** The region a custom endpoint gets when none is configured: most such services ignore it. */
export const FALLBACK_REGION = 'us-east-1';

/** The region the client is given; `undefined` leaves it to the SDK's chain. */
export function regionFor(options: ResolvedS3Options): string | undefined {
  if (options.region !== undefined) return options.region;
  if (options.endpoint !== undefined) return process.env.AWS_REGION || FALLBACK_REGION;
  return undefined;
}

/** A client configured from `options` (not used when the caller passed its own `client`). */
export function createS3Client(options: ResolvedS3Options): S3Client {
  const region = regionFor(options);
  const config: S3ClientConfig = {
    maxAttempts: options.maxAttempts,
    forcePathStyle: options.forcePathStyle,
    requestHandler: {
      connectionTimeout: options.connectTimeoutMs,
      socketTimeout: options.socketTimeoutMs,
    },
    ...(region !== undefined ? { region } : {}),
    ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
  };
  if (options.endpoint !== undefined) {
    config.endpoint = options.endpoint;
    // SDK 3.729 and later add CRC32 checksums to every upload and, for streams, the
    // `aws-chunked` encoding; many S3-compatible services (Ceph radosgw among them) reject
    // those. 'WHEN_REQUIRED' keeps checksums to the operations whose API demands one.
    config.requestChecksumCalculation = 'WHEN_REQUIRED';
    config.responseChecksumValidation = 'WHEN_REQUIRED';
  }
  return new S3Client(config);
}
