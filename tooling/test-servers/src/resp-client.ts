/**
 * Just enough of the Redis protocol (RESP2) to ask a server a question over a raw TCP
 * socket, so that readiness checks need no driver.
 */
import { connect } from 'node:net';

/** A decoded RESP2 reply. Error replies are returned as `Error` values. */
export type RespReply = string | number | null | Error | RespReply[];

interface Parsed {
  value: RespReply;
  next: number;
}

function encodeCommand(args: readonly string[]): Buffer {
  const parts = [`*${args.length}\r\n`];
  for (const arg of args) parts.push(`$${Buffer.byteLength(arg)}\r\n${arg}\r\n`);
  return Buffer.from(parts.join(''));
}

/** Parses one reply starting at `offset`, or returns undefined when more bytes are needed. */
function parseReply(buffer: Buffer, offset: number): Parsed | undefined {
  const lineEnd = buffer.indexOf('\r\n', offset);
  if (lineEnd === -1) return undefined;
  const type = String.fromCharCode(buffer[offset]!);
  const line = buffer.toString('utf8', offset + 1, lineEnd);
  const afterLine = lineEnd + 2;
  switch (type) {
    case '+':
      return { value: line, next: afterLine };
    case '-':
      return { value: new Error(line), next: afterLine };
    case ':':
      return { value: Number(line), next: afterLine };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, next: afterLine };
      if (buffer.length < afterLine + length + 2) return undefined;
      return {
        value: buffer.toString('utf8', afterLine, afterLine + length),
        next: afterLine + length + 2,
      };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, next: afterLine };
      const items: RespReply[] = [];
      let next = afterLine;
      for (let index = 0; index < count; index++) {
        const item = parseReply(buffer, next);
        if (item === undefined) return undefined;
        items.push(item.value);
        next = item.next;
      }
      return { value: items, next };
    }
    default:
      throw new Error(`unexpected RESP reply type ${JSON.stringify(type)}`);
  }
}

/**
 * Opens a connection, sends one command, and resolves with the decoded reply. Rejects when
 * the connection fails or no complete reply arrives within `timeoutMs`.
 *
 * @example
 * await sendRedisCommand('127.0.0.1', 6379, ['PING']); // 'PONG'
 */
export function sendRedisCommand(
  host: string,
  port: number,
  args: readonly string[],
  timeoutMs = 2_000,
): Promise<RespReply> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const socket = connect({ host, port });
    const finish = (error: Error | undefined, reply?: RespReply) => {
      socket.destroy();
      if (error) reject(error);
      else resolve(reply ?? null);
    };
    socket.setTimeout(timeoutMs, () =>
      finish(new Error(`no reply from ${host}:${port} within ${timeoutMs} ms`)),
    );
    socket.once('error', (error) => finish(error));
    socket.once('connect', () => socket.write(encodeCommand(args)));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      try {
        const parsed = parseReply(received, 0);
        if (parsed !== undefined) finish(undefined, parsed.value);
      } catch (error) {
        finish(error as Error);
      }
    });
    socket.once('end', () =>
      finish(new Error(`${host}:${port} closed the connection before replying`)),
    );
  });
}
