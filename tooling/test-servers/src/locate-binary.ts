import { accessSync, constants, readdirSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

/** Debian puts each PostgreSQL major version's server binaries under this directory. */
const debianPostgresRoot = '/usr/lib/postgresql';

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first `name` on PATH, or undefined. */
export function findOnPath(name: string): string | undefined {
  for (const directory of (process.env.PATH ?? '').split(delimiter)) {
    if (directory && isExecutable(join(directory, name))) return join(directory, name);
  }
  return undefined;
}

/**
 * The directory with the PostgreSQL server binaries (`initdb`, `postgres`, `pg_isready`,
 * `psql`, …): `/usr/lib/postgresql/<highest version>/bin` on Debian, else the directory of
 * `pg_ctl` on PATH. Undefined when neither exists.
 *
 * @example
 * const psql = join(findPostgresBinDir() ?? '/usr/bin', 'psql');
 */
export function findPostgresBinDir(): string | undefined {
  let versions: string[] = [];
  try {
    versions = readdirSync(debianPostgresRoot);
  } catch {
    // Not Debian's layout; fall back to PATH below.
  }
  const newestFirst = versions
    .filter((version) => /^\d+(\.\d+)?$/.test(version))
    .sort((a, b) => Number(b) - Number(a));
  for (const version of newestFirst) {
    const binDir = join(debianPostgresRoot, version, 'bin');
    if (isExecutable(join(binDir, 'initdb'))) return binDir;
  }
  const pgCtl = findOnPath('pg_ctl');
  return pgCtl === undefined ? undefined : dirname(pgCtl);
}

/**
 * Resolves each of `names` inside `binDir` (or on PATH when `binDir` is undefined) and throws
 * an error naming the Debian package to install when one is missing.
 */
export function requireBinaries<Name extends string>(
  names: readonly Name[],
  binDir: string | undefined,
  debianPackage: string,
): Record<Name, string> {
  const found = {} as Record<Name, string>;
  for (const name of names) {
    const file = binDir === undefined ? findOnPath(name) : join(binDir, name);
    if (file === undefined || !isExecutable(file)) {
      const where = binDir === undefined ? 'on PATH' : `in ${binDir}`;
      throw new Error(
        `${name} was not found ${where}. Install it with: apt-get install -y ${debianPackage}`,
      );
    }
    found[name] = file;
  }
  return found;
}
