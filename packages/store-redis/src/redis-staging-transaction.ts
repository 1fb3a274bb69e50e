/**
 * One staging transaction: commands encoded beforehand (see redis-row-encoder.ts) sent as
 * `WATCH`, the guard script, `MULTI`, the commands, `EXEC`, in one pipelined write. The
 * transaction applies all of its commands or, when the run's staging is gone (a restarted or
 * flushed server, see `STAGE_GUARD`), none: rows never land where no run will clean them up, and
 * a chunk is never half written, also in an append-only file or on a replica.
 */
import { Command, type Pipeline } from 'ioredis';
import { encodedCommand } from './redis-command-buffer.js';
import { isCluster, type RedisClient } from './redis-connection.js';
import type { RedisContext } from './redis-context.js';
import { STAGE_GUARD } from './redis-scripts.js';

const MULTI = encodedCommand('MULTI');
const EXEC = encodedCommand('EXEC');
const NOTHING = Buffer.alloc(0);

/**
 * A command name ioredis does not know, so that it neither looks for keys in the (empty)
 * arguments nor transforms the reply.
 */
const ENCODED = 'wharf-encoded';

/**
 * An ioredis command whose bytes on the wire were encoded beforehand. ioredis matches replies to
 * the commands it queued, one by one and in order: a body of several commands is queued as one
 * command that writes all their bytes, followed by commands that write nothing and only stand
 * for the remaining replies. Those replies are QUEUED, or an error that makes EXEC fail
 * (EXECABORT); the replies that matter come back in EXEC's reply.
 */
class EncodedCommand extends Command {
  readonly #bytes: Buffer;

  constructor(bytes: Buffer) {
    super(ENCODED);
    this.#bytes = bytes;
  }

  override toWritable(): Buffer {
    return this.#bytes;
  }
}

/**
 * Whether `client` may send a command again after a reconnect (ioredis'
 * `autoResendUnfulfilledCommands`, on unless turned off; the store's own connections turn it off).
 */
function mayResend(client: RedisClient): boolean {
  const options = isCluster(client) ? client.options.redisOptions : client.options;
  return options?.autoResendUnfulfilledCommands !== false;
}

/** Where a run stages, as the guard checks it. */
export interface StagingTarget {
  readonly runId: string;
  /** The version the run stages into. */
  readonly version: string;
}

/**
 * Runs `body` (`commands` commands in RESP) as one guarded transaction for `target`. Returns
 * the replies of the commands, in order, or `undefined` when the run's staging is gone and
 * nothing was written. A command's error reply is thrown.
 */
export async function stagingTransaction(
  context: RedisContext,
  target: StagingTarget,
  body: Buffer,
  commands: number,
): Promise<unknown[] | undefined> {
  const { keys } = context;
  const watch = new Command('watch', [keys.meta(target.version), keys.stageGuard(target.runId)]);
  const guard = new Command('eval', [
    STAGE_GUARD,
    1,
    keys.current,
    keys.base,
    target.runId,
    target.version,
  ]);
  const framing = [watch, guard, new EncodedCommand(MULTI), new EncodedCommand(body)];
  const exec = new EncodedCommand(EXEC);
  const client = context.client();
  // One object, queued again and again, stands for the other commands' replies: an object per
  // row would cost more than encoding the row (only the first of those replies settles it). But
  // ioredis resends a transaction that a dropped connection cut off only if every reply has its
  // own object, so a client that resends commands after reconnecting gets one per reply.
  const standIns = mayResend(client)
    ? Array.from({ length: commands - 1 }, () => new EncodedCommand(NOTHING))
    : [new EncodedCommand(NOTHING)];
  const replies = await send(client, framing, standIns, commands - 1, exec);
  for (const reply of replies) {
    if (reply.status === 'rejected') throw reply.reason;
  }
  const executed = (replies[replies.length - 1] as PromiseFulfilledResult<unknown>).value as
    | unknown[]
    | null;
  if (executed === null) return undefined;
  for (const reply of executed) {
    if (reply instanceof Error) throw reply;
  }
  return executed;
}

/**
 * Sends `framing`, `times` stand-ins (taken in turn from `standIns`) and `exec` through one
 * ioredis pipeline, which routes them on a cluster and waits for a connection that is not ready
 * yet. Settles with the outcome of each distinct command, EXEC's last.
 */
async function send(
  client: RedisClient,
  framing: readonly Command[],
  standIns: readonly Command[],
  times: number,
  exec: Command,
): Promise<PromiseSettledResult<unknown>[]> {
  // Pipeline.sendCommand queues a command as the typed methods do; the typings of
  // `client.pipeline()` leave it out.
  const pipeline = client.pipeline() as unknown as Pipeline;
  for (const command of framing) pipeline.sendCommand(command);
  for (let time = 0; time < times; time += 1) {
    pipeline.sendCommand(standIns[time % standIns.length]!);
  }
  pipeline.sendCommand(exec);
  await pipeline.exec();
  return Promise.allSettled([...framing, ...standIns, exec].map((command) => command.promise));
}
