/**
 * Errors of Azure Storage as the ADLS Gen2 endpoints send them: the code in the
 * `x-ms-error-code` header, and a body that is JSON on the DFS endpoint
 * (`{ error: { code, message } }`) and XML on the Blob endpoint
 * (`<Error><Code/><Message/></Error>`). Some failures have a different code on each endpoint
 * (`PathNotFound` / `BlobNotFound`), so an error carries both.
 */

/** Which endpoint a request was for, which decides the error format and codes. */
export type AdlsEndpoint = 'dfs' | 'blob';

/** A code and message as one endpoint reports them. */
export interface AdlsErrorDetail {
  code: string;
  message: string;
}

/** A request the test server refuses, with the status and codes Azure Storage would use. */
export class AdlsError extends Error {
  readonly status: number;
  readonly code: string;
  /** The Blob endpoint's code and message when they differ from the DFS ones. */
  readonly blob: AdlsErrorDetail | undefined;

  constructor(status: number, code: string, message: string, blob?: AdlsErrorDetail) {
    super(message);
    this.name = 'AdlsError';
    this.status = status;
    this.code = code;
    this.blob = blob;
  }

  /** The code and message for `endpoint`. */
  detailFor(endpoint: AdlsEndpoint): AdlsErrorDetail {
    return endpoint === 'blob' && this.blob !== undefined
      ? this.blob
      : { code: this.code, message: this.message };
  }
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** The body and content type of an error response for `endpoint`. */
export function errorBody(
  detail: AdlsErrorDetail,
  endpoint: AdlsEndpoint,
  requestId: string,
): { contentType: string; body: string } {
  const message = `${detail.message}\nRequestId:${requestId}\nTime:${new Date().toISOString()}`;
  if (endpoint === 'dfs') {
    return {
      contentType: 'application/json;charset=utf-8',
      body: JSON.stringify({ error: { code: detail.code, message } }),
    };
  }
  return {
    contentType: 'application/xml',
    body: `<?xml version="1.0" encoding="utf-8"?><Error><Code>${escapeXml(detail.code)}</Code><Message>${escapeXml(message)}</Message></Error>`,
  };
}

/** The code Azure Storage gives for a status when a fault is injected. */
export function faultCode(status: number): string {
  if (status === 503) return 'ServerBusy';
  if (status === 500) return 'InternalError';
  if (status === 429) return 'TooManyRequests';
  if (status === 408 || status === 504) return 'OperationTimedOut';
  return 'InvalidInput';
}

export const fileSystemNotFound = () =>
  new AdlsError(404, 'FilesystemNotFound', 'The specified filesystem does not exist.', {
    code: 'ContainerNotFound',
    message: 'The specified container does not exist.',
  });

export const fileSystemAlreadyExists = () =>
  new AdlsError(409, 'FilesystemAlreadyExists', 'The specified filesystem already exists.', {
    code: 'ContainerAlreadyExists',
    message: 'The specified container already exists.',
  });

export const pathNotFound = () =>
  new AdlsError(404, 'PathNotFound', 'The specified path does not exist.', {
    code: 'BlobNotFound',
    message: 'The specified blob does not exist.',
  });

export const pathAlreadyExists = () =>
  new AdlsError(409, 'PathAlreadyExists', 'The specified path already exists.', {
    code: 'BlobAlreadyExists',
    message: 'The specified blob already exists.',
  });

export const pathConflict = () =>
  new AdlsError(
    409,
    'PathConflict',
    'The specified path, or an element of the path, exists and its resource type is invalid for this operation.',
  );

export const resourceTypeMismatch = () =>
  new AdlsError(
    409,
    'ResourceTypeMismatch',
    'The resource type specified in the request does not match the type of the resource.',
  );

export const directoryNotEmpty = () =>
  new AdlsError(
    409,
    'DirectoryNotEmpty',
    'The recursive query parameter value must be true to delete a non-empty directory.',
  );

export const invalidFlushPosition = () =>
  new AdlsError(
    400,
    'InvalidFlushPosition',
    'The uploaded data is not contiguous or the position query parameter value is not equal to the length of the file after appending the uploaded data.',
  );

export const conditionNotMet = () =>
  new AdlsError(
    412,
    'ConditionNotMet',
    'The condition specified using HTTP conditional header(s) is not met.',
  );

export const sourceConditionNotMet = () =>
  new AdlsError(
    412,
    'SourceConditionNotMet',
    'The source condition specified using HTTP conditional header(s) is not met.',
  );

export const sourcePathNotFound = () =>
  new AdlsError(
    404,
    'SourcePathNotFound',
    'The source path for a rename operation does not exist.',
  );

export const renameDestinationParentNotFound = () =>
  new AdlsError(
    404,
    'RenameDestinationParentPathNotFound',
    'The parent directory of the destination path does not exist.',
  );

export const invalidRenameSourcePath = () =>
  new AdlsError(
    400,
    'InvalidRenameSourcePath',
    'The source directory cannot be the same as the destination directory, nor can the destination be a subdirectory of the source directory.',
  );

export const invalidSourceOrDestinationType = () =>
  new AdlsError(
    409,
    'InvalidSourceOrDestinationResourceType',
    'The source and destination resource type must be identical.',
  );

export const invalidRange = () =>
  new AdlsError(
    416,
    'InvalidRange',
    'The range specified is invalid for the current size of the resource.',
  );

export const missingQueryParameter = (name: string) =>
  new AdlsError(
    400,
    'MissingRequiredQueryParameter',
    `A query parameter that's mandatory for this request is not specified: ${name}.`,
  );

export const invalidQueryParameter = (name: string, value: string) =>
  new AdlsError(
    400,
    'InvalidQueryParameterValue',
    `Value for one of the query parameters specified in the request URI is invalid: ${name}=${value}.`,
  );

export const invalidHeaderValue = (name: string) =>
  new AdlsError(
    400,
    'InvalidHeaderValue',
    `The value for one of the HTTP headers is not in the correct format: ${name}.`,
  );

export const authenticationFailed = (detail: string) =>
  new AdlsError(
    403,
    'AuthenticationFailed',
    `Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature. ${detail}`,
  );
