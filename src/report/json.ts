// The JSON report: everything measured, with times, values, phases and messages, secrets removed.
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { conditionText } from '../analysis/metric.js'
import { toJsonValue } from '../analysis/values.js'
import type { Measurement, MetricOutcome } from '../analysis/types.js'
import type { Secrets } from '../secrets.js'
import type { GateResult } from './model.js'

const iso = (ms: number): string => new Date(ms).toISOString()

function metricJson(metric: MetricOutcome): Record<string, unknown> {
  const { spec, tally } = metric
  return {
    name: spec.name,
    template: spec.template,
    location: spec.location,
    provider: spec.provider.kind,
    query: spec.query,
    condition: conditionText(spec),
    successCondition: spec.successCondition?.source,
    failureCondition: spec.failureCondition?.source,
    thresholdRange: spec.thresholdRange,
    interval: spec.intervalMs === undefined ? undefined : `${spec.intervalMs / 1000}s`,
    count: spec.count ?? 'until the run ends',
    failureLimit: spec.failureLimit,
    inconclusiveLimit: spec.inconclusiveLimit,
    consecutiveErrorLimit: spec.consecutiveErrorLimit,
    consecutiveSuccessLimit: spec.consecutiveSuccessLimit,
    dryRun: spec.dryRun,
    phase: metric.phase,
    message: metric.message,
    counts: {
      measured: tally.measurements.length,
      successful: tally.successful,
      failed: tally.failed,
      inconclusive: tally.inconclusive,
      error: tally.error
    },
    // The baseline's query, as the canary's: its args are in it (secret ones redacted with the rest).
    baseline: spec.baseline && { query: spec.baseline.query },
    sampleSize: spec.sampleSize && { minimum: spec.sampleSize.minimum, unit: spec.sampleSize.unit, query: spec.sampleSize.query?.text, value: spec.sampleSize.value?.source },
    judge: spec.judge?.kind,
    judgement: metric.judgement && toJsonValue(metric.judgement),
    scored: metric.scored,
    insufficientData: metric.insufficientData,
    measurements: tally.measurements.map(measurementJson)
  }
}

/** One measurement; with a baseline, both arms' answers, the observations behind them and the judge's view. */
function measurementJson(m: Measurement): Record<string, unknown> {
  return {
    startedAt: iso(m.startedAt),
    finishedAt: iso(m.finishedAt),
    phase: m.phase,
    value: m.value === undefined ? undefined : toJsonValue(m.value),
    display: m.display,
    baselineValue: m.baselineValue === undefined ? undefined : toJsonValue(m.baselineValue),
    baselineDisplay: m.baselineDisplay,
    samples: m.samples,
    uncounted: m.uncounted,
    judge: m.judge && toJsonValue(m.judge),
    message: m.message
  }
}

export function reportJson(result: GateResult): Record<string, unknown> {
  return {
    reportVersion: 1,
    tool: 'canary-gate',
    command: result.command,
    verdict: result.verdict,
    outcome: result.outcome,
    startedAt: iso(result.startedAt),
    finishedAt: iso(result.finishedAt),
    reasons: result.reasons,
    failedMetrics: failedMetrics(result),
    configErrors: result.configErrors,
    notes: result.notes,
    rollout: result.rollout,
    steps: result.steps?.map((step) => ({
      index: step.index,
      kind: step.kind,
      description: step.description,
      weight: step.weight,
      startedAt: step.startedAt === undefined ? undefined : iso(step.startedAt),
      finishedAt: step.finishedAt === undefined ? undefined : iso(step.finishedAt),
      result: step.result,
      note: step.note
    })),
    abort: result.abort && {
      reason: result.abort.reason,
      failingMeasurementAt: result.abort.failingMeasurementAt === undefined ? undefined : iso(result.abort.failingMeasurementAt),
      requestedAt: iso(result.abort.requestedAt),
      confirmedAt: result.abort.confirmedAt === undefined ? undefined : iso(result.abort.confirmedAt),
      msFromFailingMeasurementToAbortCall: result.abort.failingMeasurementAt === undefined ? undefined : result.abort.requestedAt - result.abort.failingMeasurementAt,
      msFromAbortCallToWeightZero: result.abort.confirmedAt === undefined ? undefined : result.abort.confirmedAt - result.abort.requestedAt,
      canaryWeightBefore: result.abort.weightBefore,
      canaryWeightAfter: result.abort.weightAfter
    },
    stepsDiff: result.stepsDiff,
    nextSteps: result.nextSteps,
    kubectl: result.kubectl && {
      calls: result.kubectl.calls,
      watchedMs: result.kubectl.watchedMs,
      callsPerMinute: result.kubectl.watchedMs > 0 ? Math.round((result.kubectl.calls / result.kubectl.watchedMs) * 60_000 * 10) / 10 : undefined
    },
    // With targets: each region's or cluster's own report, in the same shape.
    targets: result.targets?.map((target) => ({ name: target.name, context: target.context, namespace: target.namespace, started: target.started, ...reportJson(target.result) })),
    analyses: result.analyses.map((analysis) => ({
      label: analysis.label,
      stepIndex: analysis.stepIndex,
      templates: analysis.templates,
      verdict: analysis.outcome.verdict,
      ending: analysis.outcome.ending,
      startedAt: iso(analysis.outcome.startedAt),
      finishedAt: iso(analysis.outcome.finishedAt),
      reasons: analysis.outcome.reasons,
      score: analysis.outcome.score && toJsonValue(analysis.outcome.score),
      metrics: analysis.outcome.metrics.map(metricJson)
    }))
  }
}

/** Names of deciding metrics that ended Failed or Error, across every analysis, without repeats. */
export function failedMetrics(result: GateResult): string[] {
  const names = new Set<string>()
  for (const target of result.targets ?? []) for (const name of failedMetrics(target.result)) names.add(name)
  for (const analysis of result.analyses) {
    for (const metric of analysis.outcome.metrics) {
      if (!metric.spec.dryRun && (metric.phase === 'Failed' || metric.phase === 'Error')) names.add(metric.spec.name)
    }
  }
  return [...names]
}

/** The report as JSON text, secrets removed: the file's content, and what a webhook receives. */
export function reportText(result: GateResult, secrets: Secrets): string {
  return secrets.redact(JSON.stringify(secrets.redactDeep(reportJson(result)), null, 2))
}

export async function writeReport(result: GateResult, file: string, secrets: Secrets): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true })
  await writeFile(file, `${reportText(result, secrets)}\n`, 'utf8')
}
