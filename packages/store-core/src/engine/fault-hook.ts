/**
 * The fault hook. The staging engine runs every primitive (stage a part, write the journal,
 * publish, discard…) as a numbered step through this hook, so a test can make step *k* fail
 * (a retryable error, as a dropped connection would) or crash (the store stops dead with no
 * cleanup, as if its process had died). Armed in-process through `store.faults`, or in a child
 * process through the `WHARF_FAULT` environment variable (`fail:3`, `crash:3`, `kill:3`), where
 * `kill` sends the process a real `SIGKILL` at that step.
 */
import { StoreError } from '../errors.js';

/** What happens at the armed step. */
export type FaultMode = 'fail' | 'crash' | 'kill';

/** Where and how to fault. */
export interface FaultPlan {
  /** The 1-based step, counted from the moment the hook is armed. */
  at: number;
  mode: FaultMode;
}

/** One step the engine ran (or was about to run when it faulted). */
export interface StepRecord {
  /** 1-based position since the hook was armed or reset. */
  readonly index: number;
  /** The primitive, e.g. `stagePart`, `journal:commit`, `publish`, or a backend checkpoint. */
  readonly name: string;
}

/** The test-facing side of the hook, exposed as `store.faults`. */
export interface FaultHook {
  /** Arms a fault and restarts the step count. */
  arm(plan: FaultPlan): void;
  /** Disarms and restarts the step count (a dry run that only counts). */
  reset(): void;
  /** Steps run since the last `arm()` or `reset()`. */
  readonly steps: number;
  /** The steps run since the last `arm()` or `reset()`, in order. */
  readonly trace: readonly StepRecord[];
  /** `true` once a `crash` fault fired: the store is dead and must be abandoned. */
  readonly crashed: boolean;
}

/** Thrown by a store whose `crash` fault fired, and by every call to it afterwards. */
export class SimulatedCrash extends Error {
  constructor(step: StepRecord) {
    super(`simulated crash at step ${step.index} (${step.name})`);
    this.name = 'SimulatedCrash';
  }

  /** True for a `SimulatedCrash` from any copy of store-core. */
  static isInstance(value: unknown): value is SimulatedCrash {
    return value instanceof Error && value.name === 'SimulatedCrash';
  }
}

/** The retryable error of a `fail` fault, a `StoreError` like any infrastructure failure. */
export class InjectedFault extends StoreError {
  constructor(step: StepRecord) {
    super('WHARF_CONNECTION', `injected failure at step ${step.index} (${step.name})`, {
      retryable: true,
      cause: new Error('fault hook'),
      details: { step: step.index, stepName: step.name },
    });
    this.name = 'InjectedFault';
  }
}

/** Parses `WHARF_FAULT` (`fail:3`, `crash:3`, `kill:3`); `undefined` when unset. */
export function faultPlanFromEnvironment(value = process.env.WHARF_FAULT): FaultPlan | undefined {
  if (value === undefined || value === '') return undefined;
  const match = /^(fail|crash|kill):(\d+)$/.exec(value.trim());
  if (!match)
    throw new Error(`WHARF_FAULT must look like fail:3, crash:3 or kill:3, got '${value}'`);
  return { mode: match[1] as FaultMode, at: Number(match[2]) };
}

/** The engine-side hook: `run()` numbers each step and fires the armed fault. */
export class StepRunner implements FaultHook {
  #plan: FaultPlan | undefined;
  #trace: StepRecord[] = [];
  #crash: SimulatedCrash | undefined;

  constructor(plan: FaultPlan | undefined = faultPlanFromEnvironment()) {
    this.#plan = plan;
  }

  arm(plan: FaultPlan): void {
    if (!Number.isInteger(plan.at) || plan.at < 1) {
      throw new Error(`fault step must be a positive integer, got ${plan.at}`);
    }
    this.#plan = { ...plan };
    this.#trace = [];
  }

  reset(): void {
    this.#plan = undefined;
    this.#trace = [];
  }

  get steps(): number {
    return this.#trace.length;
  }

  get trace(): readonly StepRecord[] {
    return this.#trace;
  }

  get crashed(): boolean {
    return this.#crash !== undefined;
  }

  /** Throws the crash again if the store already crashed. */
  assertAlive(): void {
    if (this.#crash) throw this.#crash;
  }

  /** Runs `action` as the next numbered step, firing the armed fault first if it is this one. */
  async run<T>(name: string, action: () => Promise<T>): Promise<T> {
    this.assertAlive();
    const step: StepRecord = { index: this.#trace.length + 1, name };
    this.#trace.push(step);
    if (this.#plan?.at === step.index) {
      const mode = this.#plan.mode;
      this.#plan = undefined;
      if (mode === 'kill') process.kill(process.pid, 'SIGKILL');
      if (mode === 'crash') {
        this.#crash = new SimulatedCrash(step);
        throw this.#crash;
      }
      throw new InjectedFault(step);
    }
    return action();
  }
}
