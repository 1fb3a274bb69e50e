import { execFileSync } from 'node:child_process';

/** A system account's numeric ids. */
export interface SystemUser {
  uid: number;
  gid: number;
}

/**
 * The account that PostgreSQL binaries must run as when this process is root (they refuse
 * to run as root), or undefined when this process is not root and runs them itself.
 */
export function postgresRunAsUser(name = 'postgres'): SystemUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error(
      `PostgreSQL refuses to run as root and there is no '${name}' system user to run it as. ` +
        'Install it with: apt-get install -y postgresql',
    );
  }
}
