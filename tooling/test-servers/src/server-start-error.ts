/**
 * A server did not come up. The message carries the end of the server's log, so that a
 * failing test run says why without anyone having to find the temporary directory.
 */
export class ServerStartError extends Error {
  /** True when the log says the port was taken: a retry on another port may succeed. */
  readonly addressInUse: boolean;

  constructor(message: string, logTail: string) {
    super(logTail ? `${message}\n--- end of server log ---\n${logTail}` : message);
    this.name = 'ServerStartError';
    this.addressInUse = /address already in use/i.test(logTail);
  }
}
