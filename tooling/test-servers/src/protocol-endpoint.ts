/**
 * What the in-process protocol test servers (Cloud Storage, ADLS Gen2) share: the handle of a
 * throwaway server started on a loopback port and stopped with its contents dropped, and the
 * handle of an existing endpoint named by an environment variable, which cannot inject faults
 * and is never stopped.
 */
import { registerServer } from './cleanup-registry.js';
import {
  type FaultList,
  type FaultOptions,
  faultsNeedThrowawayError,
  type InjectedFault,
} from './fault-injection.js';
import { type ErrorRenderer, type RequestHandler, startLoopbackServer } from './http-helpers.js';

/** The part of a protocol test server's handle that does not depend on the service. */
export interface ProtocolEndpoint extends AsyncDisposable {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly external: boolean;
  injectFault(fault: FaultOptions): InjectedFault;
  clearFaults(): void;
  stop(): Promise<void>;
}

/** The handle of the existing endpoint `url` read from the environment variable `variable`. */
export function existingEndpoint(
  url: string,
  variable: string,
): ProtocolEndpoint & { parsed: URL } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${variable} is not a valid http(s):// URL`);
  }
  return {
    parsed,
    url: url.replace(/\/+$/, ''),
    host: parsed.hostname,
    port: Number(parsed.port) || (parsed.protocol === 'https:' ? 443 : 80),
    external: true,
    injectFault: () => {
      throw faultsNeedThrowawayError(variable);
    },
    clearFaults: () => {},
    stop: async () => {},
    [Symbol.asyncDispose]: async () => {},
  };
}

/** What {@link startProtocolEndpoint} needs from a service. */
export interface ProtocolService {
  readonly handle: RequestHandler;
  readonly renderError: ErrorRenderer;
  readonly faults: FaultList;
  /** The endpoint's URL once the server listens, e.g. `http://127.0.0.1:<port>/<account>`. */
  url(host: string, port: number): string;
  /** Drops the service's contents after the server closed. */
  clear(): void;
}

/**
 * Starts `service` on a free loopback port, registered with the cleanup registry so that the
 * process's exit closes it; `stop()` is idempotent.
 */
export async function startProtocolEndpoint(service: ProtocolService): Promise<ProtocolEndpoint> {
  const server = await startLoopbackServer(service.handle, service.renderError);
  let stopping: Promise<void> | undefined;
  const unregister = registerServer({
    stop: () => endpoint.stop(),
    stopSync: () => server.closeNow(),
  });
  const endpoint: ProtocolEndpoint = {
    url: service.url(server.host, server.port),
    host: server.host,
    port: server.port,
    external: false,
    injectFault: (fault) => service.faults.add(fault),
    clearFaults: () => service.faults.clear(),
    stop() {
      stopping ??= server.close().finally(() => {
        service.clear();
        unregister();
      });
      return stopping;
    },
    [Symbol.asyncDispose]: () => endpoint.stop(),
  };
  return endpoint;
}
