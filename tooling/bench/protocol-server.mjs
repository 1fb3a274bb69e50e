/**
 * Runs one protocol test server of @wharf/test-servers (Cloud Storage or ADLS Gen2) in this
 * process, for the benchmark. The servers answer in-process over `node:http`; run here, their
 * work stays out of the timed case process and out of the orchestrator, and their CPU time can
 * be read as this process's.
 *
 *   node protocol-server.mjs gcs|adls
 *
 * Prints one JSON line once the server answers — `{ "url": …, "projectId": … }` for gcs,
 * `{ "url": …, "account": …, "accountKey": … }` for adls (the test server's published
 * development key) — then serves until SIGTERM, SIGINT or the end of its standard input (the
 * orchestrator exiting), and stops the server.
 */
import { startAdlsServer, startGcsServer } from '@wharf/test-servers';

const kind = process.argv[2];
let server;
let line;
if (kind === 'gcs') {
  server = await startGcsServer({ allowExisting: false });
  line = { url: server.url, projectId: server.projectId };
} else if (kind === 'adls') {
  server = await startAdlsServer({ allowExisting: false });
  line = { url: server.url, account: server.account, accountKey: server.accountKey };
} else {
  throw new Error(`protocol-server.mjs: gcs or adls, not ${kind}`);
}

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await server.stop();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop).resume();
process.stdout.write(`${JSON.stringify(line)}\n`);
