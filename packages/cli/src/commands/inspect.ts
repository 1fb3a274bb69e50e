/** `wharf inspect <store-url>`: schema, row count, committed runs, leftover staging. */

import { formatCount } from '../progress.js';
import { parseStoreUrl } from '../store-urls.js';

/** Prints what a store holds; changes nothing. */
export async function inspect(
  spec: string,
  output: { write(text: string): unknown } = process.stdout,
): Promise<void> {
  const url = parseStoreUrl(spec);
  const store = await url.open();
  try {
    await store.connect();
    const description = await store.describe();
    const { capabilities } = description;
    const lines = [`${url.display}  (${description.name}, ${url.packageName})`];
    const claimed = Object.entries(capabilities)
      .filter(([, value]) => value === true)
      .map(([name]) => name);
    lines.push(
      `  run types     ${capabilities.runTypes.join(', ')}; commit ${capabilities.commit}`,
    );
    lines.push(`  capabilities  ${claimed.join(', ') || 'none beyond writes'}`);
    if (description.schema) {
      lines.push('  schema');
      for (const field of description.schema.fields) {
        lines.push(
          `    ${field.name.padEnd(24)} ${String(field.type)}${field.nullable ? '' : ' not null'}`,
        );
      }
    } else lines.push('  schema        (nothing committed yet)');
    if (description.rows !== undefined)
      lines.push(`  rows          ${formatCount(description.rows)}`);
    if (description.committedRuns) {
      const recent = description.committedRuns.slice(-5);
      lines.push(
        `  committed     ${description.committedRuns.length} run(s) recorded${recent.length ? `; latest: ${recent.join(', ')}` : ''}`,
      );
    }
    if (description.staging) {
      const { runs, orphans } = description.staging;
      if (runs.length === 0 && orphans.length === 0) lines.push('  staging       clean');
      for (const run of runs) {
        lines.push(
          `  staging       run ${run.runId} (${run.runType}, ${run.state}, ${run.parts} part(s), started ${run.startedAt}, ${run.alive ? 'writer alive' : 'abandoned: the next connect recovers it'})`,
        );
      }
      for (const orphan of orphans)
        lines.push(
          `  staging       orphaned staging of run ${orphan} (the next connect removes it)`,
        );
    }
    for (const [name, value] of Object.entries(description.details ?? {})) {
      lines.push(
        `  ${name.padEnd(13)} ${typeof value === 'string' ? value : JSON.stringify(value)}`,
      );
    }
    output.write(`${lines.join('\n')}\n`);
  } finally {
    await store.close();
  }
}
