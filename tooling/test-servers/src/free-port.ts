import { createServer } from 'node:net';
import { ServerStartError } from './server-start-error.js';

/**
 * Asks the kernel for a TCP port that is free on `host` right now: binds port 0, reads the
 * port it got, and closes the listener again.
 *
 * Another process may take the port before the server binds it; {@link withFreePort} retries
 * a start that lost that race.
 *
 * @param host - The interface to probe. @default '127.0.0.1'
 * @example
 * const port = await findFreePort();
 */
export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error(`could not read the port of a listener on ${host}`));
        return;
      }
      server.close((error) => (error ? reject(error) : resolve(address.port)));
    });
  });
}

/**
 * Runs `start` with a fresh free port, and again with another one when the server reports
 * that the port was taken in the meantime.
 */
export async function withFreePort<T>(
  start: (port: number) => Promise<T>,
  attempts = 3,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const port = await findFreePort();
    try {
      return await start(port);
    } catch (error) {
      if (!(error instanceof ServerStartError && error.addressInUse) || attempt >= attempts) {
        throw error;
      }
    }
  }
}
