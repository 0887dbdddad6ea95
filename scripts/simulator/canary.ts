// One simulated canary: its own seeded traffic, one judge's metrics, the real engine on a virtual
// clock, and how the outcome is scored.
//
// The canary gets traffic from minute 0 at the step weights; its analysis starts at minute 5 (after
// a first pause, as the seed's rollout pauses before its error-rate analysis) and may run for at
// most 90 minutes (the `timeout` input), after which the engine ends it without a verdict.
//
// Scoring a run, from the engine's verdict:
//   Failed                  → rolled back: a false rollback in an A/A scenario, a catch in a regression
//   Successful              → promoted: a miss in a regression scenario
//   Inconclusive, or Error  → inconclusive: the gate neither promotes nor rolls back on its own
//                             (manual review, too little data, or the timeout); Errors are also
//                             counted apart, with the first reason, so a broken template shows
// Time to decision: from the start of the analysis to its verdict, in simulated minutes.
import type { AnalysisOutcome, MetricSpec, Verdict } from '../../src/analysis/types.js'
import { runAnalysis } from '../../src/analysis/engine.js'
import type { Logger } from '../../src/log.js'
import { SimulatedProvider } from './provider.js'
import { SimulatedTraffic, type TrafficModel } from './traffic.js'
import { VirtualClock } from '../../__tests__/support/virtual-clock.js'

export const ANALYSIS_START_MINUTE = 5
export const TIMEOUT_MINUTES = 90
/** Any instant will do; a fixed one keeps logs and reports of a seed identical. */
const EPOCH = Date.UTC(2026, 1, 4, 7, 0, 0)

export type Decision = 'rollback' | 'promote' | 'inconclusive'

export function decisionOf(verdict: Verdict): Decision {
  if (verdict === 'Failed') return 'rollback'
  if (verdict === 'Successful') return 'promote'
  return 'inconclusive'
}

export interface CanaryRun {
  verdict: Verdict
  decision: Decision
  /** Simulated minutes from the start of the analysis to the verdict. */
  minutes: number
  ending: AnalysisOutcome['ending']
  /** The engine's first reason for the verdict. */
  reason: string
}

const quiet: Logger = {
  info: () => {},
  notice: () => {},
  warning: () => {},
  error: () => {},
  debug: () => {},
  group: (_name, body) => body()
}

export interface CanaryOptions {
  /** Keeps the provider's record of every query (tests). */
  provider?: (provider: SimulatedProvider) => void
  log?: Logger
}

export async function runCanary(metrics: MetricSpec[], model: TrafficModel, seed: number, options: CanaryOptions = {}): Promise<CanaryRun> {
  const clock = new VirtualClock(EPOCH)
  const traffic = new SimulatedTraffic(seed, model)
  const provider = new SimulatedProvider(traffic, { originMs: clock.now(), startMinute: ANALYSIS_START_MINUTE }, { record: options.provider !== undefined })
  options.provider?.(provider)
  const outcome = await runAnalysis({
    metrics,
    providerFor: () => provider,
    clock,
    log: options.log ?? quiet,
    deadline: clock.now() + TIMEOUT_MINUTES * 60_000
  })
  return {
    verdict: outcome.verdict,
    decision: decisionOf(outcome.verdict),
    minutes: (outcome.finishedAt - outcome.startedAt) / 60_000,
    ending: outcome.ending,
    reason: outcome.reasons[0] ?? ''
  }
}
