// From metric phases to the run's phase: the worst non-dry-run metric decides, in Argo's order
// Successful < Running < Pending < Inconclusive < Error < Failed.
import type { MetricOutcome, MetricPhase, Verdict } from './types.js'

const ORDER: Record<MetricPhase, number> = {
  Successful: 0,
  Running: 1,
  Pending: 2,
  Inconclusive: 3,
  Error: 4,
  Failed: 5
}

export function worstPhase(phases: MetricPhase[]): MetricPhase {
  return phases.reduce<MetricPhase>((worst, phase) => (ORDER[phase] > ORDER[worst] ? phase : worst), 'Successful')
}

/** A metric phase that ends the run at once when a deciding metric reaches it. */
export function endsRun(phase: MetricPhase): boolean {
  return phase === 'Failed' || phase === 'Error' || phase === 'Inconclusive'
}

export interface RunAssessment {
  phase: MetricPhase
  reasons: string[]
}

/** A decision made over several metrics (Kayenta's score), weighed beside the metrics. */
export interface CombinedDecision {
  name: string
  phase: MetricPhase
  message: string
  /** Left unfinished when another metric decided the run: not a reason. */
  stopped?: boolean
}

/**
 * The run's phase now, with one reason per metric that keeps it from Successful. Metrics whose
 * classification went into a score do not decide on their own: the score (in `combined`) does.
 */
export function assessRun(metrics: Pick<MetricOutcome, 'spec' | 'phase' | 'message' | 'stopped' | 'scored'>[], combined: CombinedDecision[] = []): RunAssessment {
  const deciding = [
    ...metrics.filter((m) => !m.spec.dryRun && !m.scored).map((m) => ({ name: m.spec.name, phase: m.phase, message: m.message, stopped: m.stopped })),
    ...combined.map((c) => ({ name: c.name, phase: c.phase, message: c.message, stopped: c.stopped }))
  ]
  if (deciding.length === 0) {
    // Nothing that could fail the run took part, so nothing can pass it either.
    const why = metrics.length === 0
      ? 'no metric to measure: nothing decides this run, so it cannot pass'
      : `every metric is dryRun (${metrics.map((m) => `${m.spec.name} ${m.phase}`).join(', ')}): nothing decides this run, so it cannot pass`
    return { phase: 'Inconclusive', reasons: [why, ...dryRunReasons(metrics)] }
  }
  const phase = worstPhase(deciding.map((m) => m.phase))
  const reasons =
    phase === 'Successful'
      ? deciding.map((m) => `${m.name}: ${m.message}`)
      : deciding.filter((m) => m.phase !== 'Successful' && !m.stopped).sort((a, b) => ORDER[b.phase] - ORDER[a.phase]).map((m) => `${m.name} ${m.phase}: ${m.message}`)
  reasons.push(...dryRunReasons(metrics))
  return { phase, reasons }
}

function dryRunReasons(metrics: Pick<MetricOutcome, 'spec' | 'phase' | 'message'>[]): string[] {
  return metrics.filter((m) => m.spec.dryRun && m.phase !== 'Successful').map((m) => `${m.spec.name} ${m.phase} (dryRun, does not decide): ${m.message}`)
}

/**
 * The verdict of a finished run. A run that ends with metrics still Pending or Running (never
 * measured) is Inconclusive: canary-gate never calls unmeasured metrics a pass.
 */
export function verdictOf(phase: MetricPhase): Verdict {
  return phase === 'Pending' || phase === 'Running' ? 'Inconclusive' : phase
}
