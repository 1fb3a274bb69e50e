/**
 * Every server this package starts is registered here until it is stopped, so that nothing
 * outlives the test run — also when a test fails, forgets `stop()`, or the run is
 * interrupted:
 *
 * - when the event loop drains (`beforeExit`), the remaining servers are stopped properly;
 * - on SIGINT / SIGTERM they are stopped (bounded in time) before the signal takes effect;
 * - on `exit` (e.g. `process.exit()`), which allows no waiting, they are killed and their
 *   directories removed synchronously.
 *
 * The registry lives on `globalThis` so that every copy of this module in a process (the ESM
 * and CJS builds, the `/vitest` entry, a test runner's per-file module graphs) shares one
 * registry and installs the process hooks once.
 */

/** What the registry needs from a running server. */
export interface RegisteredServer {
  /** Stops the server and removes its files. */
  stop(): Promise<void>;
  /** Best-effort synchronous variant for the `exit` event. */
  stopSync(): void;
}

interface Registry {
  servers: Set<RegisteredServer>;
  hooksInstalled: boolean;
  handlingSignal: boolean;
}

const registryKey = Symbol.for('wharf.test-servers.registry');
/** How long a signal waits for a graceful stop before falling back to SIGKILL. */
const signalGraceMs = 5_000;

function registry(): Registry {
  const holder = globalThis as typeof globalThis & { [registryKey]?: Registry };
  holder[registryKey] ??= { servers: new Set(), hooksInstalled: false, handlingSignal: false };
  return holder[registryKey];
}

function stopAllSync(): void {
  const { servers } = registry();
  for (const server of [...servers]) {
    servers.delete(server);
    try {
      server.stopSync();
    } catch {
      // The process is going away; clean up as much as possible.
    }
  }
}

async function onSignal(signal: NodeJS.Signals): Promise<void> {
  const state = registry();
  if (state.handlingSignal) {
    // A second Ctrl-C: stop waiting.
    stopAllSync();
    process.exit(130);
  }
  state.handlingSignal = true;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    stopAll().catch(() => undefined),
    new Promise((resolve) => {
      timer = setTimeout(resolve, signalGraceMs);
    }),
  ]);
  clearTimeout(timer);
  stopAllSync();
  state.handlingSignal = false;
  // When nobody else handles the signal, restore its default effect (terminate).
  if (process.listenerCount(signal) === 1) {
    process.removeListener(signal, signalHandler);
    process.kill(process.pid, signal);
  }
}

function signalHandler(signal: NodeJS.Signals): void {
  void onSignal(signal);
}

function beforeExitHandler(): void {
  if (registry().servers.size > 0) void stopAll().catch(() => undefined);
}

function installHooks(state: Registry): void {
  if (state.hooksInstalled) return;
  state.hooksInstalled = true;
  process.on('beforeExit', beforeExitHandler);
  process.on('exit', stopAllSync);
  process.on('SIGINT', signalHandler);
  process.on('SIGTERM', signalHandler);
}

/** Tracks `server` until the returned function is called (when the server has stopped). */
export function registerServer(server: RegisteredServer): () => void {
  const state = registry();
  installHooks(state);
  state.servers.add(server);
  return () => {
    state.servers.delete(server);
  };
}

/**
 * Stops every server this process started and has not stopped yet, and removes their
 * directories. Handles to existing servers (from the `WHARF_TEST_*` variables) are not
 * affected. Rejects with an `AggregateError` when a server failed to stop; the others are
 * stopped regardless.
 *
 * @example
 * afterAll(() => stopAll());
 */
export async function stopAll(): Promise<void> {
  const results = await Promise.allSettled([...registry().servers].map((server) => server.stop()));
  const failures = results.flatMap((result) =>
    result.status === 'rejected' ? [result.reason] : [],
  );
  if (failures.length > 0) {
    throw new AggregateError(failures, `${failures.length} server(s) failed to stop`);
  }
}
