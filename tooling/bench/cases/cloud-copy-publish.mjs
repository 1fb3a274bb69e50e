/**
 * A hygge-style publish (a peer of the cloud suites): the same Parquet bytes as the baseline
 * (encoded untimed, see parquet-files.mjs) uploaded to a staging prefix, then each file moved
 * to the production prefix — a server-side copy and a delete of the staged file on S3
 * (`CopyObject` + `DeleteObject`) and Cloud Storage (`file.copy`, a rewrite, + `delete`), a
 * rename on ADLS Gen2 (the DFS endpoint's own move; it has no server-side copy). Uploads and
 * moves run as many at once as the store has encoder threads; both are timed.
 *
 *   node cases/cloud-copy-publish.mjs --cloud adls --arrow data.arrows --work <dir> \
 *     --adls-url … [--server-pids …]
 */
import { randomUUID } from 'node:crypto';
import { caseArguments, printResult, required, timeLoad } from '../case-runtime.mjs';
import { inParallel, openCloud } from '../cloud-clients.mjs';
import { countHttpRequests } from '../http-requests.mjs';
import { datasetParquetFiles, ENCODER_THREADS } from '../parquet-files.mjs';
import { processCpuSeconds, serverPids } from '../process-cpu.mjs';

const args = caseArguments();
const { files } = await datasetParquetFiles(required(args, 'arrow'), required(args, 'work'));
const cloud = await openCloud(args);
const prefix = `copy-${process.pid}`;
const pids = serverPids(args);
let result;
try {
  await cloud.ensureBucket();
  await cloud.upload(`${prefix}-warm-up/warm-up.parquet`, files[0].bytes.subarray(0, 2 << 20));

  const cpuBefore = processCpuSeconds(pids);
  const requests = countHttpRequests();
  result = await timeLoad(async () => {
    const names = files.map(() => `${randomUUID()}.parquet`);
    await inParallel(files, ENCODER_THREADS, (file, index) =>
      cloud.upload(`${prefix}/staging/${names[index]}`, file.bytes),
    );
    await cloud.preparePublish(`${prefix}/data`);
    await inParallel(names, ENCODER_THREADS, (name) =>
      cloud.publish(`${prefix}/staging/${name}`, `${prefix}/data/${name}`),
    );
    return files.reduce((sum, file) => sum + file.rows, 0);
  });
  const counted = requests.stop();
  result.serverCpuSeconds = processCpuSeconds(pids) - cpuBefore;
  result.requests = counted.total;
  result.requestsByMethod = counted.byMethod;
  result.files = files.length;
  result.parquetBytes = files.reduce((sum, file) => sum + file.bytes.byteLength, 0);
} finally {
  await cloud.removePrefix(`${prefix}-warm-up`);
  await cloud.removePrefix(prefix);
  await cloud.close();
}
printResult(result);
