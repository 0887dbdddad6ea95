// The one interface every metric backend implements: take a metric, hand back the `result` its
// conditions are evaluated against, or throw a MeasurementError saying why there is none.
import type { Clock } from '../clock.js'
import type { Logger } from '../log.js'
import type { MetricSpec } from '../analysis/types.js'

export interface MeasureContext {
  clock: Clock
  log: Logger
  /** Aborts when the run stops (verdict known, timeout, cancellation). */
  signal: AbortSignal
}

export interface Provider {
  /** The `result` for the metric's conditions, or a Decided measurement. */
  measure(metric: MetricSpec, context: MeasureContext): Promise<unknown>
}

/**
 * A measurement whose phase the provider itself knows, whatever the conditions say: a Job that
 * failed is Failed (its exit code is the verdict, as in Argo). `result` is still reported.
 */
export class Decided {
  constructor(
    readonly phase: 'Successful' | 'Failed',
    readonly result: unknown,
    readonly message: string
  ) {}
}

/**
 * Why a measurement has no value. It becomes an Error measurement carrying `message`.
 * `retryable`: trying again within the budget may help (429, 5xx, timeouts, resets).
 * `permanent`: trying again can never help (bad API key, invalid query), so the metric ends as
 * Error at once instead of spending its consecutiveErrorLimit.
 */
export class MeasurementError extends Error {
  readonly retryable: boolean
  readonly permanent: boolean
  readonly retryAfterMs?: number
  constructor(message: string, options: { retryable?: boolean; permanent?: boolean; retryAfterMs?: number } = {}) {
    super(message)
    this.name = 'MeasurementError'
    this.retryable = options.retryable ?? false
    this.permanent = options.permanent ?? false
    this.retryAfterMs = options.retryAfterMs
  }
}

/**
 * Runs one measurement with its time budget: the returned signal aborts when the budget ends or
 * the run stops; an abort caused by the budget becomes a MeasurementError naming the budget.
 */
export async function withBudget<T>(
  context: MeasureContext,
  budgetMs: number,
  what: string,
  body: (signal: AbortSignal, deadline: number) => Promise<T>
): Promise<T> {
  const deadline = context.clock.now() + budgetMs
  const budget = context.clock.timeoutSignal(budgetMs)
  const signal = AbortSignal.any([context.signal, budget])
  try {
    return await body(signal, deadline)
  } catch (error) {
    if (context.signal.aborted) throw context.signal.reason
    if (budget.aborted) {
      throw new MeasurementError(`${what}: no answer within ${budgetMs / 1000}s`, { retryable: true })
    }
    throw error
  }
}
