/**
 * The raw SDK upload of the same Parquet bytes the store writes (the cloud baseline): the
 * dataset's Arrow file is encoded untimed into the files the store would write (see
 * parquet-files.mjs), then only their upload with the cloud's SDK is timed — `lib-storage`
 * `Upload` (S3), `file.save` (Cloud Storage), `DataLakeFileClient.upload` (ADLS) — sent as the
 * store sends them (same part sizes), with as many files in flight as the store has encoder
 * threads.
 *
 *   node cases/cloud-upload.mjs --cloud s3 --arrow data.arrows --work <dir> --s3-url … \
 *     [--server-pids …]
 *
 * With `--publish move` it is the hygge-style peer instead: the same files uploaded to a
 * staging prefix, then each moved to the production prefix — a server-side copy and a delete
 * of the staged file on S3 (`CopyObject` + `DeleteObject`) and Cloud Storage (`file.copy`, a
 * rewrite, + `delete`), a rename on ADLS Gen2 (the DFS endpoint's own move; it has no
 * server-side copy). Uploads and moves are both timed.
 *
 *   node cases/cloud-upload.mjs --cloud adls --publish move --arrow data.arrows --work <dir> …
 *
 * A small untimed upload warms the client first. Also reports the HTTP requests of the timed
 * part, the files, the server's CPU seconds, and how long the untimed encoding took on one
 * thread (`encodeSeconds`, measured when the files were first encoded).
 */
import { randomUUID } from 'node:crypto';
import { caseArguments, printResult, required, timeLoad } from '../case-runtime.mjs';
import { inParallel, openCloud } from '../cloud-clients.mjs';
import { countHttpRequests } from '../http-requests.mjs';
import { datasetParquetFiles, ENCODER_THREADS } from '../parquet-files.mjs';
import { processCpuSeconds, serverPids } from '../process-cpu.mjs';

const args = caseArguments();
const { files, encodeSeconds } = await datasetParquetFiles(
  required(args, 'arrow'),
  required(args, 'work'),
);
const cloud = await openCloud(args);
const publish = args.publish ?? 'none';
if (publish !== 'none' && publish !== 'move')
  throw new Error(`--publish none|move, not ${publish}`);
const move = publish === 'move';
const prefix = `${move ? 'copy' : 'upload'}-${process.pid}`;
const pids = serverPids(args);
let result;
try {
  await cloud.ensureBucket();
  await cloud.upload(`${prefix}-warm-up/warm-up.parquet`, files[0].bytes.subarray(0, 2 << 20));

  const cpuBefore = processCpuSeconds(pids);
  const requests = countHttpRequests();
  result = await timeLoad(async () => {
    const names = files.map(() => `${randomUUID()}.parquet`);
    const target = move ? `${prefix}/staging` : `${prefix}/data`;
    await inParallel(files, ENCODER_THREADS, (file, index) =>
      cloud.upload(`${target}/${names[index]}`, file.bytes),
    );
    if (move) {
      await cloud.preparePublish(`${prefix}/data`);
      await inParallel(names, ENCODER_THREADS, (name) =>
        cloud.publish(`${prefix}/staging/${name}`, `${prefix}/data/${name}`),
      );
    }
    return files.reduce((sum, file) => sum + file.rows, 0);
  });
  const counted = requests.stop();
  result.serverCpuSeconds = processCpuSeconds(pids) - cpuBefore;
  result.requests = counted.total;
  result.requestsByMethod = counted.byMethod;
  result.files = files.length;
  result.parquetBytes = files.reduce((sum, file) => sum + file.bytes.byteLength, 0);
  result.encodeSeconds = encodeSeconds;
} finally {
  await cloud.removePrefix(`${prefix}-warm-up`);
  await cloud.removePrefix(prefix);
  await cloud.close();
}
printResult(result);
