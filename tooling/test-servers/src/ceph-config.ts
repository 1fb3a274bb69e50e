/**
 * The `ceph.conf` of a throwaway one-node Ceph cluster: one monitor and one in-memory OSD on
 * loopback, authentication off, every path inside the cluster's temporary directory, and
 * the timings of a production cluster shortened so that it starts in a second or two.
 */
import { join } from 'node:path';

/** What {@link renderCephConfig} needs to know. */
export interface CephConfigOptions {
  /** The cluster's id, a UUID. */
  fsid: string;
  /** The temporary directory every daemon keeps its files in. */
  directory: string;
  /** The monitor's port on 127.0.0.1 (messenger v2 only). */
  monitorPort: number;
  /** The capacity the in-memory OSD reports, in bytes. */
  capacityBytes: number;
}

/** The file name of the configuration inside the cluster's directory. */
export const cephConfigFileName = 'ceph.conf';

/** The log of a daemon or client named `name` (`mon.a`, `osd.0`, `client.rgw.a`, …). */
export function cephLogFile(directory: string, name: string): string {
  return join(directory, `${name}.log`);
}

/** Renders the configuration; `$name` is expanded by Ceph to each daemon's name. */
export function renderCephConfig(options: CephConfigOptions): string {
  const { directory } = options;
  const settings: Array<[string, string | number | boolean]> = [
    ['fsid', options.fsid],
    ['mon_host', `[v2:127.0.0.1:${options.monitorPort}]`],
    ['mon_initial_members', 'a'],
    ['public_addr', '127.0.0.1'],
    ['cluster_addr', '127.0.0.1'],
    ['ms_bind_msgr1', false],
    ['ms_bind_ipv6', false],
    // Fail at once when the port was taken in the meantime, so that the start retries on
    // another port instead of waiting for the default five-second bind retries.
    ['ms_bind_retry_count', 1],

    // No authentication. The messenger's default "secure" modes need it: without `crc`
    // everywhere, clients (radosgw among them) loop on an authentication error.
    ['auth_cluster_required', 'none'],
    ['auth_service_required', 'none'],
    ['auth_client_required', 'none'],
    ['ms_mon_client_mode', 'crc'],
    ['ms_mon_service_mode', 'crc'],
    ['ms_mon_cluster_mode', 'crc'],
    ['ms_client_mode', 'crc'],
    ['ms_service_mode', 'crc'],
    ['ms_cluster_mode', 'crc'],

    // Nothing under /var or /etc.
    ['run_dir', directory],
    ['admin_socket', join(directory, '$name.asok')],
    ['pid_file', join(directory, '$name.pid')],
    ['log_file', cephLogFile(directory, '$name')],
    // Errors are in the log file already, and the daemons' stderr is appended to it too.
    ['err_to_stderr', false],
    ['mon_cluster_log_file', join(directory, 'cluster.log')],
    ['crash_dir', join(directory, 'crash')],
    ['keyring', join(directory, 'keyring')],
    ['mon_data', join(directory, 'mon')],
    ['osd_data', join(directory, 'osd')],
    ['rgw_data', join(directory, 'rgw')],

    // Every map change waits for the next Paxos proposal, by default a second later; radosgw
    // makes a dozen of them (one per pool and setting) before it answers.
    ['paxos_propose_interval', 0.01],
    // The monitor shuts itself down when its disk runs low; a test machine's /tmp may.
    ['mon_data_avail_crit', 0],
    ['mon_data_avail_warn', 0],

    // One OSD keeping everything in memory, one copy of each object.
    ['osd_objectstore', 'memstore'],
    ['memstore_device_bytes', options.capacityBytes],
    ['osd_pool_default_size', 1],
    ['osd_pool_default_min_size', 1],
    ['mon_allow_pool_size_one', true],
    ['mon_warn_on_pool_no_redundancy', false],
    ['osd_crush_chooseleaf_type', 0],
    // radosgw creates about eight pools; 32 placement groups each would pass the limit of
    // 250 per OSD.
    ['osd_pool_default_pg_num', 8],
    ['osd_pool_default_pgp_num', 8],
  ];
  const lines = settings.map(([key, value]) => `${key} = ${String(value)}`);
  return `[global]\n${lines.join('\n')}\n`;
}
