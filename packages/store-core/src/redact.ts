/**
 * Credential redaction. Every message a store raises passes through here, so a password in a
 * connection string or a key handed to a client never reaches a log.
 */

const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)([^/@\s:]*)(?::([^/@\s]*))?@/gi;
const SECRET_PARAMETERS =
  /([?&;\s](?:password|pwd|pass|secret|token|key|sig|signature|accountkey|access_key|secret_access_key|sharedaccesssignature)=)([^&;\s]+)/gi;

/** Redacts the password of every URL in `text`, and secret-looking `name=value` parameters. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let result = text
    .replace(URL_CREDENTIALS, (_match, scheme: string, user: string, password?: string) =>
      password === undefined ? `${scheme}${user}@` : `${scheme}${user}:***@`,
    )
    .replace(SECRET_PARAMETERS, '$1***');
  for (const secret of secrets) {
    if (secret.length >= 3) result = result.split(secret).join('***');
  }
  return result;
}

/** Returns `url` with its password replaced by `***`, keeping everything a reader needs. */
export function redactUrl(url: string): string {
  return redact(url);
}
