/**
 * store-s3, store-gcs or store-adls, `full_drop`: the dataset's Arrow file into a fresh prefix
 * of the bench bucket through `runFlow`, with the store's defaults (snappy, 122,880-row groups,
 * 32 MiB of Arrow data per file, min(4, CPUs) encoder workers, the `commits` layout). The
 * timing covers reading the input, encoding on the workers, the uploads and the commit.
 *
 *   node cases/cloud-store.mjs --cloud gcs --arrow data.arrows --work <dir> --gcs-url … \
 *     [--server-pids …]
 *
 * A small untimed load into another prefix runs first in the same process, so the encoder
 * workers have compiled parquet-wasm and the SDK's code is loaded. Also reports the HTTP
 * requests of the timed load, the data files it committed, the server's CPU seconds, and the
 * time from the end of the last data file's upload to the end of the load (`commitSeconds`:
 * the commit alone).
 */
import { runFlow } from '@wharf/store-core';
import { caseArguments, printResult, required, timeStoreLoad } from '../case-runtime.mjs';
import { openCloud } from '../cloud-clients.mjs';
import { generateDataset } from '../generate-dataset.mjs';
import { countHttpRequests } from '../http-requests.mjs';
import { processCpuSeconds, serverPids } from '../process-cpu.mjs';

const args = caseArguments();
const cloud = await openCloud(args);
const prefix = `store-${process.pid}`;
const pids = serverPids(args);
let result;
try {
  await cloud.ensureBucket();
  const warmUp = cloud.createStore(`${prefix}-warm-up`);
  await runFlow(() => generateDataset({ rows: 50_000 }), warmUp, { runType: 'full_drop' });
  await warmUp.close();

  const store = cloud.createStore(prefix);
  try {
    await store.connect();
    // When the last data file's upload ended: what follows is the commit alone.
    let lastUploadMicros;
    const put = store.storage.put.bind(store.storage);
    store.storage.put = async (key, ...rest) => {
      await put(key, ...rest);
      if (key.startsWith('data/')) lastUploadMicros = Number(process.hrtime.bigint() / 1000n);
    };
    const cpuBefore = processCpuSeconds(pids);
    const requests = countHttpRequests();
    result = await timeStoreLoad(store, required(args, 'arrow'), 'full_drop');
    const counted = requests.stop();
    result.phases.commitSeconds = (result.window.endMicros - lastUploadMicros) / 1e6;
    result.serverCpuSeconds = processCpuSeconds(pids) - cpuBefore;
    result.requests = counted.total;
    result.requestsByMethod = counted.byMethod;
    const { details } = await store.describe();
    result.files = details.files;
    result.parquetBytes = details.bytes;
  } finally {
    await store.close();
  }
} finally {
  await cloud.removePrefix(`${prefix}-warm-up`);
  await cloud.removePrefix(prefix);
  await cloud.close();
}
printResult(result);
