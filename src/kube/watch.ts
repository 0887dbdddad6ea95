// Waiting on a Rollout: read it every poll interval until something is true, and the abort that
// waits until the rollout reports it (phase Degraded, canary weight 0).
import type { Clock } from '../clock.js'
import type { Logger } from '../log.js'
import { formatDuration } from '../plan/duration.js'
import type { AbortRecord } from '../report/model.js'
import { describeState, type RolloutClient, type RolloutState } from './rollout.js'

export interface WatchOptions {
  clock: Clock
  log: Logger
  pollMs: number
  /** Clock time to give up at. */
  until: number
  signal?: AbortSignal
}

/** Reads the rollout until `done(state)` or the time is up; returns the last state and whether it held. */
export async function waitUntil(
  client: RolloutClient,
  done: (state: RolloutState) => boolean,
  options: WatchOptions
): Promise<{ state: RolloutState; met: boolean }> {
  for (;;) {
    const state = await client.get()
    if (done(state)) return { state, met: true }
    if (options.clock.now() >= options.until || options.signal?.aborted) return { state, met: false }
    try {
      await options.clock.sleep(Math.min(options.pollMs, Math.max(0, options.until - options.clock.now())), options.signal)
    } catch {
      return { state, met: false }
    }
  }
}

/** Argo reports an abort as phase Degraded with the canary weight back at 0. */
export function abortShown(state: RolloutState): boolean {
  return state.abort && state.phase === 'Degraded' && state.canaryWeight === 0
}

/**
 * Aborts the rollout and waits (up to `confirmMs`) until it reports the abort; every time that
 * matters is recorded, so the report can say how fast the canary's traffic went back to stable.
 */
export async function abortAndConfirm(
  client: RolloutClient,
  before: RolloutState,
  reason: string,
  options: Omit<WatchOptions, 'until'> & { confirmMs: number; failingMeasurementAt?: number; dryRun?: boolean }
): Promise<{ record: AbortRecord; state: RolloutState }> {
  const { clock, log } = options
  const requestedAt = clock.now()
  const lag = options.failingMeasurementAt === undefined ? '' : ` (${formatDuration(requestedAt - options.failingMeasurementAt)} after the failing measurement)`
  log.info(`aborting rollout ${client.name}: ${reason}${lag}`)
  await client.abort()
  const record: AbortRecord = { reason, failingMeasurementAt: options.failingMeasurementAt, requestedAt, weightBefore: before.canaryWeight }
  if (options.dryRun) return { record, state: before }
  let watched: { state: RolloutState; met: boolean }
  try {
    const until = requestedAt + options.confirmMs
    const watch = { ...options, pollMs: Math.min(options.pollMs, 1000), until }
    // A write still in flight when the abort went out (an image sent just before a cancel) can land
    // after it: the controller then starts that new revision and clears the abort. Seen, the abort
    // is sent again, for the revision that is now live.
    let revision = before.currentPodHash
    for (let resent = 0; ; resent++) {
      const newer = (s: RolloutState): boolean => !s.abort && s.currentPodHash !== revision
      watched = await waitUntil(client, (s) => abortShown(s) || (resent < 2 && newer(s)), watch)
      if (watched.met && !abortShown(watched.state) && newer(watched.state)) {
        revision = watched.state.currentPodHash
        log.warning(`rollout ${client.name}: a new revision (${revision ?? '?'}) went live after the abort and cleared it; aborting again`)
        await client.abort()
        continue
      }
      break
    }
  } catch (error) {
    // The abort was sent; only seeing it failed. Say so rather than call the abort failed.
    log.warning(`rollout ${client.name}: the abort was sent, but reading the rollout back failed: ${(error as Error).message}`)
    return { record, state: before }
  }
  const { state, met } = watched
  record.weightAfter = state.canaryWeight
  if (met) {
    record.confirmedAt = clock.now()
    log.info(`rollout ${client.name} aborted: canary traffic ${before.canaryWeight}% → ${state.canaryWeight}%, ${formatDuration(record.confirmedAt - requestedAt)} after the abort call (${describeState(state)})`)
  } else {
    log.warning(`rollout ${client.name} did not report the abort within ${formatDuration(options.confirmMs)}: ${describeState(state)}`)
  }
  return { record, state }
}
