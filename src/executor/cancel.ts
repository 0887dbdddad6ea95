// What both loops (Argo's step plan, Flagger's scheduler) do when the workflow is cancelled: the
// cancel path runs in real time (the runner's kill schedule is real, never the run's clock, which
// tests speed up) — a moment for the loop to finish the call it is in, then the abort on a hurried
// target, each request bounded, all within the budget.
import { systemClock } from '../clock.js'
import type { AbortRecord } from '../report/model.js'
import type { Target, TargetState } from '../targets/target.js'

/** How long an abort may take to show before it is reported unconfirmed. */
export const ABORT_CONFIRM_MS = 5 * 60_000
export const CANCEL_SETTLE_MS = 1_000
export const CANCEL_BUDGET_MS = 5_000

/** Waits for `work`, at most `ms` of real time; the timer is cleared after, so nothing is left pending. */
export async function atMost(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Runs the loop until it ends or `signal` aborts, whichever comes first: 'cancelled' (the loop may
 * still be inside a request: `settled` waits at most CANCEL_SETTLE_MS for it), its error, or
 * undefined when it ended by itself.
 */
export async function untilCancelled(loop: Promise<void>, signal: AbortSignal): Promise<{ cancelled: true; settled: () => Promise<void>; loop: Promise<unknown> } | { cancelled: false; error?: unknown }> {
  const steering = loop.then(
    () => undefined,
    (error: unknown) => ({ error })
  )
  const cancelled = new Promise<'cancelled'>((resolve) => {
    if (signal.aborted) resolve('cancelled')
    else signal.addEventListener('abort', () => resolve('cancelled'), { once: true })
  })
  const first = await Promise.race([steering, cancelled])
  if (first === 'cancelled' || signal.aborted) return { cancelled: true, settled: () => atMost(steering, CANCEL_SETTLE_MS), loop: steering }
  return first ? { cancelled: false, error: first.error } : { cancelled: false }
}

/** The cancel path's abort budget: CANCEL_BUDGET_MS of real time, cut short by the runner's second signal. */
export function cancelBudget(hurry?: AbortSignal): AbortSignal {
  return AbortSignal.any([AbortSignal.timeout(CANCEL_BUDGET_MS), ...(hurry ? [hurry] : [])])
}

/** The verified abort of the cancel path, on a hurried target, polled in real time within `budget`. */
export function abortOnCancel<S extends TargetState>(target: Target<S>, reason: string, state: S, budget: AbortSignal): Promise<{ record: AbortRecord; state: S }> {
  return target.abort(reason, state, { clock: systemClock, pollMs: 500, confirmMs: CANCEL_BUDGET_MS, signal: budget })
}

/** How long, after the abort on cancel, a write that was still in flight may take to land. */
export const LATE_WRITE_MS = 2_000

/**
 * A write the loop had in flight when the job was cancelled (an image sent a moment before) can land
 * after the abort: Argo then starts that revision and clears the abort, and a Deployment's canary is
 * created after it was scaled down. When the loop's last call settles within LATE_WRITE_MS (cut short
 * by the runner's second signal), the target is read again and, if the canary is live again, aborted
 * again. Returns the second abort when one was made; a failure to read or abort leaves the first.
 */
export async function abortAfterLateWrite<S extends TargetState>(target: Target<S>, loop: Promise<unknown>, hurry: AbortSignal | undefined, warn: (message: string) => void): Promise<{ record: AbortRecord; state: S } | undefined> {
  return lateWriteAbort(target.hurried(), loop, hurry, warn).catch(() => undefined)
}

async function lateWriteAbort<S extends TargetState>(target: Target<S>, loop: Promise<unknown>, hurry: AbortSignal | undefined, warn: (message: string) => void): Promise<{ record: AbortRecord; state: S } | undefined> {
  let settled = false
  const watched = loop.then(() => (settled = true))
  const cut = new Promise<void>((resolve) => (hurry?.aborted ? resolve() : hurry?.addEventListener('abort', () => resolve(), { once: true })))
  await Promise.race([atMost(watched, LATE_WRITE_MS), cut])
  if (!settled || hurry?.aborted) return undefined
  const state = await target.read().catch(() => undefined)
  if (!state || state.aborted || !state.updating) return undefined
  warn(`${target.name}: a write in flight when the workflow was cancelled landed after the abort (${state.description}); aborting again`)
  return abortOnCancel(target, 'the workflow was cancelled (abort-on-cancel), again after a late write', state, cancelBudget(hurry))
}
