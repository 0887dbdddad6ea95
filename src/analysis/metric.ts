// From measurements to a metric's phase, after Argo Rollouts' assessMetricStatus, with safety
// changes documented in the README: a metric never measured is not Successful, a metric whose
// every measurement errored is Error when the run stops, and a metric without a single passing
// measurement is never Successful (Argo passes it when its limits tolerate every failure).
import type { Measurement, MetricAssessment, MetricSpec, MetricTally } from './types.js'
import { shorten } from '../secrets.js'
import { shownValue } from './values.js'

export function emptyTally(): MetricTally {
  return {
    measurements: [],
    count: 0,
    successful: 0,
    failed: 0,
    inconclusive: 0,
    error: 0,
    consecutiveError: 0,
    consecutiveSuccess: 0
  }
}

/** The tally after one more measurement (Argo's counters: errors do not count towards `count`). */
export function recordMeasurement(tally: MetricTally, measurement: Measurement): MetricTally {
  const next: MetricTally = { ...tally, measurements: [...tally.measurements, measurement] }
  if (measurement.uncounted) {
    // Too little data: not a pass, not a failure, and not towards count or inconclusiveLimit. The
    // reading itself worked; a run of successes it interrupts starts again.
    next.consecutiveError = 0
    next.consecutiveSuccess = 0
    return next
  }
  switch (measurement.phase) {
    case 'Successful':
      next.successful++
      next.count++
      next.consecutiveError = 0
      next.consecutiveSuccess++
      break
    case 'Failed':
      next.failed++
      next.count++
      next.consecutiveError = 0
      next.consecutiveSuccess = 0
      break
    case 'Inconclusive':
      next.inconclusive++
      next.count++
      next.consecutiveError = 0
      next.consecutiveSuccess = 0
      break
    case 'Error':
      next.error++
      next.consecutiveError++
      next.consecutiveSuccess = 0
      break
  }
  return next
}

function valuesOf(tally: MetricTally, phase: Measurement['phase'], limit = 5): string {
  const values = tally.measurements
    .filter((m) => m.phase === phase)
    .map(shownValue)
  if (values.length === 0) return ''
  const shown = values.slice(-limit)
  return `${values.length > limit ? '…, ' : ''}${shown.join(', ')}`
}

function lastOf(tally: MetricTally, phase: Measurement['phase']): Measurement | undefined {
  return [...tally.measurements].reverse().find((m) => m.phase === phase)
}

/** The condition in words, for reasons: `successCondition result.errorRate < 2`. */
export function conditionText(spec: MetricSpec): string {
  const parts: string[] = []
  if (spec.successCondition) parts.push(`success when ${spec.successCondition.source}`)
  if (spec.failureCondition) parts.push(`failure when ${spec.failureCondition.source}`)
  if (spec.thresholdRange) {
    const { min, max } = spec.thresholdRange
    if (min !== undefined && max !== undefined) parts.push(`within ${min}…${max}`)
    else if (min !== undefined) parts.push(`at least ${min}`)
    else if (max !== undefined) parts.push(`at most ${max}`)
  }
  if (parts.length) return parts.join('; ')
  // A judged metric has no conditions: the judge compares it with the baseline.
  return spec.judge ? `judged by ${spec.judge.kind} against the baseline` : 'no condition (dry run)'
}

/** The metric's phase now; `terminating` when the run is ending and no more measurements come. */
export function assessMetric(spec: MetricSpec, tally: MetricTally, terminating: boolean): MetricAssessment {
  const taken = tally.measurements.length
  if (taken === 0) {
    return terminating
      ? { phase: 'Pending', message: 'not measured: the run ended before its first measurement' }
      : { phase: 'Pending', message: 'waiting for its first measurement' }
  }
  const last = tally.measurements[taken - 1]
  if (last.phase === 'Error' && last.permanent) {
    return { phase: 'Error', message: `${last.message} (not retried: it cannot succeed as configured)` }
  }
  if (spec.failureLimit >= 0 && tally.failed > spec.failureLimit) {
    return {
      phase: 'Failed',
      message: `failed ${tally.failed} > failureLimit ${spec.failureLimit}: measured ${valuesOf(tally, 'Failed')} (${conditionText(spec)})`
    }
  }
  if (tally.inconclusive > spec.inconclusiveLimit) {
    const reason = lastOf(tally, 'Inconclusive')?.message ?? ''
    return {
      phase: 'Inconclusive',
      message: `inconclusive ${tally.inconclusive} > inconclusiveLimit ${spec.inconclusiveLimit}: ${reason}`
    }
  }
  if (tally.consecutiveError > spec.consecutiveErrorLimit) {
    const reason = lastOf(tally, 'Error')?.message ?? ''
    return {
      phase: 'Error',
      message: `${tally.consecutiveError} consecutive errors > consecutiveErrorLimit ${spec.consecutiveErrorLimit}: ${reason}`
    }
  }
  if (spec.consecutiveSuccessLimit > 0 && tally.consecutiveSuccess >= spec.consecutiveSuccessLimit) {
    return {
      phase: 'Successful',
      message: `${tally.consecutiveSuccess} consecutive successes reached consecutiveSuccessLimit ${spec.consecutiveSuccessLimit}`
    }
  }
  if (spec.count !== undefined && tally.count >= spec.count) {
    const failureApplies = spec.failureLimit >= 0
    const successApplies = spec.consecutiveSuccessLimit > 0
    if (failureApplies && successApplies) {
      return {
        phase: 'Inconclusive',
        message: `count ${spec.count} reached without ${spec.consecutiveSuccessLimit} consecutive successes or more than ${spec.failureLimit} failures`
      }
    }
    if (!failureApplies && successApplies) {
      return {
        phase: 'Failed',
        message: `count ${spec.count} reached without ${spec.consecutiveSuccessLimit} consecutive successes`
      }
    }
    if (tally.successful === 0) return withoutAPass(`count ${spec.count} reached`, spec, tally)
    return { phase: 'Successful', message: successMessage(spec, tally) }
  }
  if (terminating) {
    const waiting = waitingForData(tally, spec.count)
    if (waiting) return waiting
    if (tally.count === 0) {
      return {
        phase: 'Error',
        message: `every measurement errored (${tally.error}): ${lastOf(tally, 'Error')?.message ?? ''}`
      }
    }
    if (tally.successful === 0) return withoutAPass('the run stopped', spec, tally)
    return { phase: 'Successful', message: successMessage(spec, tally) }
  }
  return { phase: 'Running', message: progressMessage(spec, tally) }
}

/**
 * A metric whose last reading (errors aside) had too little data, or that never had enough, when
 * the run stops: Inconclusive, since it could not be judged, never Successful on what came before.
 */
export function waitingForData(tally: MetricTally, of?: number): MetricAssessment | undefined {
  const readings = tally.measurements.filter((m) => m.phase !== 'Error')
  const last = readings[readings.length - 1]
  if (!last?.uncounted) return undefined
  const uncounted = readings.filter((m) => m.uncounted).length
  const counted = of === undefined ? `${tally.count} counted` : `${tally.count} of ${of} counted`
  return {
    phase: 'Inconclusive',
    message: `${last.message} (${uncounted} reading${uncounted === 1 ? '' : 's'} with too little data, ${counted} when the run stopped)`,
    insufficientData: true
  }
}

// Limits that tolerate every failure or every inconclusive measurement would otherwise pass a
// metric on nothing: no data throughout, or nothing but failures.
function withoutAPass(when: string, spec: MetricSpec, tally: MetricTally): MetricAssessment {
  const parts: string[] = []
  if (tally.inconclusive) parts.push(`${tally.inconclusive} inconclusive (limit ${spec.inconclusiveLimit})`)
  if (tally.failed) parts.push(`${tally.failed} failed (limit ${spec.failureLimit})`)
  if (tally.error) parts.push(`${tally.error} error${tally.error === 1 ? '' : 's'}`)
  const last = [...tally.measurements].reverse().find((m) => m.phase !== 'Successful')
  const why = last ? `; last: ${shorten(last.message, 200)}` : ''
  return { phase: 'Inconclusive', message: `${when} without a passing measurement: ${parts.join(', ')}${why}` }
}

function successMessage(spec: MetricSpec, tally: MetricTally): string {
  const parts = [`${tally.successful} of ${tally.count} passed`]
  if (tally.failed) parts.push(`${tally.failed} failed (limit ${spec.failureLimit})`)
  if (tally.inconclusive) parts.push(`${tally.inconclusive} inconclusive (limit ${spec.inconclusiveLimit})`)
  if (tally.error) parts.push(`${tally.error} errors`)
  const values = valuesOf(tally, 'Successful')
  return `${parts.join(', ')}${values ? `: measured ${values}` : ''}`
}

function progressMessage(spec: MetricSpec, tally: MetricTally): string {
  const of = spec.count === undefined ? '' : ` of ${spec.count}`
  return `${tally.count}${of} measured, ${tally.failed} failed (limit ${spec.failureLimit}), ${tally.consecutiveError} consecutive errors (limit ${spec.consecutiveErrorLimit})`
}

/** Whether a phase ends the metric. */
export function isCompleted(phase: MetricAssessment['phase']): boolean {
  return phase !== 'Pending' && phase !== 'Running'
}
