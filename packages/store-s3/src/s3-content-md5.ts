/**
 * `DeleteObjects` must carry a checksum of its body. The SDK sends `x-amz-checksum-crc32`, which
 * AWS (and Ceph radosgw) accept; several S3-compatible services (older MinIO releases, s3proxy
 * and others) accept only `Content-MD5`, which AWS's own API reference still names. Sending
 * both satisfies everyone, and the body is a small XML document.
 */
import { createHash } from 'node:crypto';
import type { DeleteObjectsCommand } from '@aws-sdk/client-s3';

const MIDDLEWARE_NAME = 'wharfDeleteObjectsContentMd5';

function md5Base64(body: string | Uint8Array): string | undefined {
  try {
    return createHash('md5').update(body).digest('base64');
  } catch {
    // A FIPS-only OpenSSL has no MD5: leave the SDK's CRC32 checksum alone.
    return undefined;
  }
}

/** Adds a `Content-MD5` header to this command's request (once its body is serialized). */
export function withContentMd5(command: DeleteObjectsCommand): DeleteObjectsCommand {
  command.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as {
        headers?: Record<string, string>;
        body?: unknown;
      };
      const { body, headers } = request;
      if (headers && (typeof body === 'string' || body instanceof Uint8Array)) {
        const alreadySet = Object.keys(headers).some(
          (name) => name.toLowerCase() === 'content-md5',
        );
        const digest = alreadySet ? undefined : md5Base64(body);
        if (digest !== undefined) headers['content-md5'] = digest;
      }
      return next(args);
    },
    { step: 'build', name: MIDDLEWARE_NAME, override: true },
  );
  return command;
}
