/**
 * Runs this example as an outsider would: packs @wharf/store-core and @wharf/cli with
 * `pnpm pack`, copies the example to a folder outside the workspace, installs everything from
 * those tarballs and the npm registry with plain npm, then runs its tests and
 * `wharf conformance`. Nothing private of the monorepo can leak in.
 *
 *   node examples/third-party-store/scripts/run-outside.mjs [--keep]
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const example = fileURLToPath(new URL('..', import.meta.url));
const root = join(example, '..', '..');
const keep = process.argv.includes('--keep');

function run(command, args, cwd) {
  console.log(`\n$ ${command} ${args.join(' ')}   (in ${cwd})`);
  const result = spawnSync(command, args, {
    cwd,
    stdio: 'inherit',
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
}

const work = mkdtempSync(join(tmpdir(), 'wharf-third-party-'));
try {
  const tarballs = join(work, 'tarballs');
  mkdirSync(tarballs);
  for (const name of ['store-core', 'cli']) {
    const directory = join(root, 'packages', name);
    if (!existsSync(join(directory, 'dist')))
      throw new Error(`packages/${name}/dist is missing: run pnpm build first`);
    run('pnpm', ['pack', '--pack-destination', tarballs], directory);
  }
  const tarball = (prefix) =>
    join(
      tarballs,
      readdirSync(tarballs).find((file) => file.startsWith(prefix)),
    );

  const project = join(work, 'store-jsonl');
  for (const entry of ['package.json', 'vitest.config.js', 'src', 'test']) {
    cpSync(join(example, entry), join(project, entry), { recursive: true });
  }
  const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8'));
  manifest.devDependencies['@wharf/store-core'] = `file:${tarball('wharf-store-core-')}`;
  manifest.devDependencies['@wharf/cli'] = `file:${tarball('wharf-cli-')}`;
  writeFileSync(join(project, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);

  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], project);
  run('npx', ['vitest', 'run'], project);
  run(
    'npx',
    ['wharf', 'conformance', './test/kit-options.js', '--json', 'conformance-report.json'],
    project,
  );
  const report = JSON.parse(readFileSync(join(project, 'conformance-report.json'), 'utf8'));
  console.log(`\nthird-party store: ${JSON.stringify(report.summary)}`);
} finally {
  if (keep) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
