/**
 * Fault injection for the protocol test servers: make the next N requests that match a
 * predicate fail with an HTTP status (503, 429, …) or a dropped connection, so that a
 * backend's retry logic can be tested against the official SDK's real behaviour.
 */
import type { IncomingMessage } from 'node:http';

/** Which requests to fail, and how. */
export interface FaultOptions {
  /** Only requests with this HTTP method (any case). @default every method */
  method?: string;
  /**
   * Only requests whose path and query contain this text, either as sent (percent-encoded)
   * or decoded; e.g. `'/o/'`, `'uploadType=resumable'`, `'action=flush'`.
   * @default every request
   */
  pathIncludes?: string;
  /** The status to answer with, in the service's error format. @default 503 */
  status?: number;
  /** Close the connection without answering instead (a network failure). @default false */
  reset?: boolean;
  /** How many matching requests fail before the rule is used up. @default 1 */
  times?: number;
}

/** A fault that {@link FaultList.add} armed. */
export interface InjectedFault {
  /** How many requests it has failed so far. */
  readonly answered: number;
  /** How many more matching requests it will fail. */
  readonly remaining: number;
}

/** The faults armed on one server, consulted in the order they were added. */
export interface FaultList {
  add(options: FaultOptions): InjectedFault;
  /** The fault to apply to `request`, counting it as used; undefined when none matches. */
  take(request: IncomingMessage): FaultOptions | undefined;
  clear(): void;
}

interface Rule {
  options: FaultOptions;
  answered: number;
  remaining: number;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function matches(options: FaultOptions, request: IncomingMessage): boolean {
  if (options.method !== undefined && options.method.toUpperCase() !== request.method) {
    return false;
  }
  if (options.pathIncludes !== undefined) {
    const target = request.url ?? '';
    return (
      target.includes(options.pathIncludes) || safeDecode(target).includes(options.pathIncludes)
    );
  }
  return true;
}

/** Creates an empty fault list. */
export function createFaultList(): FaultList {
  let rules: Rule[] = [];
  return {
    add(options) {
      const times = options.times ?? 1;
      if (!Number.isInteger(times) || times < 1) {
        throw new RangeError(`times must be a positive integer, got ${times}`);
      }
      const rule: Rule = { options, answered: 0, remaining: times };
      rules.push(rule);
      return {
        get answered() {
          return rule.answered;
        },
        get remaining() {
          return rule.remaining;
        },
      };
    },
    take(request) {
      const rule = rules.find(
        (candidate) => candidate.remaining > 0 && matches(candidate.options, request),
      );
      if (rule === undefined) return undefined;
      rule.remaining--;
      rule.answered++;
      return rule.options;
    },
    clear() {
      for (const rule of rules) rule.remaining = 0;
      rules = [];
    },
  };
}

/** The error a handle to an existing server throws from `injectFault()`. */
export function faultsNeedThrowawayError(variable: string): Error {
  return new Error(
    `injectFault() needs a throwaway server, but this handle points at the existing server from ${variable}. ` +
      'Pass { allowExisting: false } to start one.',
  );
}
