// canary-gate's fields for comparing the canary with its baseline, checked once a metric's args are
// substituted: `judge` and `sampleSize` on a metric, `scoring` on a template. Each problem is
// reported at the line of its field, with the value and what would be accepted.
import type { IssueList } from '../config-error.js'
import { DEFAULT_GROUP } from '../analysis/judges/index.js'
import type { Condition, JudgeSpec, MetricSpec, ScoringSpec } from '../analysis/types.js'
import type { MetricChecker } from './checker.js'
import type { YamlPath } from './load.js'
import type { JudgeKind, ProviderKind, RawJudge, RawMetric } from './schema.js'
import { suggestion, type DeclaredScoring } from './templates.js'
import { definedFields } from '../analysis/values.js'

const JUDGE_KINDS: JudgeKind[] = ['mannWhitney', 'sequentialRate', 'sequentialMean']

/** The judge a metric names, or undefined (reported) when it names none or several. */
export function judgeKind(judge: RawJudge, check: MetricChecker): JudgeKind | undefined {
  const named = JUDGE_KINDS.filter((kind) => judge[kind] !== undefined)
  if (named.length === 1) return named[0]
  check.report(['judge'], named.length === 0 ? `names no judge: give one of ${JUDGE_KINDS.join(', ')}` : `names ${named.length} judges (${named.join(', ')}); a metric has one`)
  return undefined
}

/**
 * The rules of a judged metric: the judge decides, so conditions and the limits on failed and
 * inconclusive measurements have nothing to act on and would only mislead the reader.
 */
export function checkJudgedFields(raw: RawMetric, kind: JudgeKind, provider: ProviderKind, check: MetricChecker): void {
  for (const field of ['successCondition', 'failureCondition', 'thresholdRange'] as const) {
    if (raw[field] !== undefined) check.report([field], `a metric with a judge is decided by its judge (${kind}), not by conditions: remove ${field}, or the judge`)
  }
  for (const field of ['failureLimit', 'inconclusiveLimit', 'consecutiveSuccessLimit'] as const) {
    if (raw[field] !== undefined) {
      check.report([field], `does not apply to a judged metric: its judge (${kind}) decides when it passes or fails; remove it (consecutiveErrorLimit still applies)`)
    }
  }
  if (!raw.baseline && provider !== 'job') {
    check.report(['judge', kind], `${kind} compares the canary with its baseline: add baseline.args, the args that differ for the stable version (e.g. baseline: { args: [{ name: version, value: stable }] })`)
  }
  if (kind === 'sequentialRate' && !raw.sampleSize) {
    check.report(['judge', kind], 'needs sampleSize: the requests behind each interval’s errors, e.g. sampleSize: { minimum: 1, unit: requests, query: … }')
  }
}

/** Fields that need a provider answering numbers: a job's exit code is its own verdict. */
export function checkNotJob(raw: RawMetric, provider: ProviderKind, check: MetricChecker): void {
  if (provider !== 'job') return
  for (const field of ['baseline', 'sampleSize', 'judge'] as const) {
    if (raw[field] !== undefined) check.report([field], 'is not available on a job metric, whose exit code is its verdict: measure with prometheus, newRelic or web')
  }
}

class Numbers {
  constructor(
    private readonly check: MetricChecker,
    private readonly base: YamlPath
  ) {}

  /** A number at `field` that passes `ok`, else reported with `expected`; undefined when absent. */
  get(field: string, value: unknown, ok: (n: number) => boolean, expected: string): number | undefined {
    const number = this.check.number([...this.base, field], value)
    if (number === undefined) return undefined
    if (!ok(number)) {
      this.check.report([...this.base, field], `${number} ${expected}`)
      return undefined
    }
    return number
  }

  whole(field: string, value: unknown, min: number, why: string): number | undefined {
    if (value === undefined) return undefined
    const number = this.check.number([...this.base, field], value)
    if (number === undefined) return undefined
    if (!Number.isInteger(number) || number < min) {
      this.check.report([...this.base, field], `${number} must be a whole number ≥ ${min}: ${why}`)
      return undefined
    }
    return number
  }
}

const ALPHA = (n: number): boolean => n > 0 && n < 0.5
const ALPHA_TEXT = 'is not in (0, 0.5): alpha is the chance of a false rollback you accept, such as 0.01'

/** Tolerances of the sequential judges: fail above 1 + tolerance, pass below 1 + passTolerance. */
function tolerances(raw: { tolerance?: unknown; passTolerance?: unknown }, numbers: Numbers, check: MetricChecker, base: YamlPath): { tolerance?: number; passTolerance?: number } {
  const tolerance = numbers.get('tolerance', raw.tolerance, (n) => n >= 0, 'must be ≥ 0: the judge fails the canary when it is shown above (1 + tolerance) × the baseline')
  const passTolerance = numbers.get('passTolerance', raw.passTolerance, (n) => n >= 0, 'must be ≥ 0: the judge passes the canary when it is shown below (1 + passTolerance) × the baseline')
  // Above the tolerance, a canary shown worse than the fail limit could still pass.
  const failAt = tolerance ?? 0.1
  if (passTolerance !== undefined && passTolerance > failAt) {
    check.report([...base, 'passTolerance'], `${passTolerance} is above the tolerance ${failAt}: the judge could pass a canary it would fail; use at most ${failAt}`)
  }
  return { tolerance, passTolerance }
}


// Kayenta's header facts: with four or fewer samples per side the test at 98 % cannot reject
// anything, so every canary would pass; its normal approximation wants about ten.
const MIN_MANN_WHITNEY_SAMPLES = 5

/** The judge of a metric with its options checked; undefined when it has problems (reported). */
export function checkJudge(judge: RawJudge, kind: JudgeKind, check: MetricChecker): JudgeSpec | undefined {
  const base: YamlPath = ['judge', kind]
  const numbers = new Numbers(check, base)
  switch (kind) {
    case 'mannWhitney': {
      const raw = judge.mannWhitney!
      const confidence = numbers.get('confidence', raw.confidence, (n) => n > 0.5 && n < 1, 'is not between 0.5 and 1: it is the confidence of the test (Kayenta’s judge: 0.98)')
      const minSamples = numbers.whole('minSamples', raw.minSamples, MIN_MANN_WHITNEY_SAMPLES, `with fewer samples per side the test cannot show a difference, so every canary would pass (default 10)`)
      const effect = raw.effectSize ?? {}
      const cles = effect.measure === 'cles'
      const effects = new Numbers(check, [...base, 'effectSize'])
      const neutral = cles ? 0.5 : 1
      const what = cles ? 'a CLES (the chance the canary is higher)' : 'a ratio of means'
      const inRange = (n: number): boolean => (cles ? n >= 0 && n <= 1 : n > 0)
      const increase = (field: string, value: unknown): number | undefined =>
        effects.get(field, value, (n) => inRange(n) && n >= neutral, `must be ${what} ≥ ${neutral}${cles ? ' and ≤ 1' : ''}: an increase`)
      const decrease = (field: string, value: unknown): number | undefined =>
        effects.get(field, value, (n) => inRange(n) && n <= neutral, `must be ${what} ≤ ${neutral}${cles ? ' and ≥ 0' : ' and > 0'}: a decrease`)
      const allowedIncrease = increase('allowedIncrease', effect.allowedIncrease)
      const criticalIncrease = increase('criticalIncrease', effect.criticalIncrease)
      const allowedDecrease = decrease('allowedDecrease', effect.allowedDecrease)
      const criticalDecrease = decrease('criticalDecrease', effect.criticalDecrease)
      if (allowedIncrease !== undefined && criticalIncrease !== undefined && criticalIncrease < allowedIncrease) {
        check.report([...base, 'effectSize', 'criticalIncrease'], `${criticalIncrease} is below allowedIncrease ${allowedIncrease}: a critical increase is at least an allowed one`)
      }
      if (allowedDecrease !== undefined && criticalDecrease !== undefined && criticalDecrease > allowedDecrease) {
        check.report([...base, 'effectSize', 'criticalDecrease'], `${criticalDecrease} is above allowedDecrease ${allowedDecrease}: a critical decrease is at least an allowed one`)
      }
      const outlierFactor = new Numbers(check, [...base, 'outliers']).get('outlierFactor', raw.outliers?.outlierFactor, (n) => n > 0, 'must be more than 0 (Kayenta: 3)')
      const samples = check.condition([...base, 'samples'], raw.samples)
      return {
        kind,
        config: definedFields({
          direction: raw.direction,
          critical: raw.critical,
          mustHaveData: raw.mustHaveData,
          nanStrategy: raw.nanStrategy,
          effectSize: raw.effectSize ? definedFields({ measure: effect.measure, allowedIncrease, criticalIncrease, allowedDecrease, criticalDecrease }) : undefined,
          outliers: raw.outliers ? definedFields({ strategy: raw.outliers.strategy ?? 'remove', outlierFactor }) : undefined,
          minSamples,
          confidence,
          unit: raw.unit
        }),
        group: raw.group ?? DEFAULT_GROUP,
        samples
      }
    }
    case 'sequentialRate': {
      const raw = judge.sequentialRate!
      const alpha = numbers.get('alpha', raw.alpha, ALPHA, ALPHA_TEXT)
      const { tolerance, passTolerance } = tolerances(raw, numbers, check, base)
      const events = check.condition([...base, 'events'], raw.events)
      return { kind, options: definedFields({ alpha, tolerance, passTolerance }), events }
    }
    case 'sequentialMean': {
      const raw = judge.sequentialMean!
      const alpha = numbers.get('alpha', raw.alpha, ALPHA, ALPHA_TEXT)
      const { tolerance, passTolerance } = tolerances(raw, numbers, check, base)
      const minSamples = numbers.whole('minSamples', raw.minSamples, 2, 'a variance needs two observations per side (default 30)')
      const samples = check.condition([...base, 'samples'], raw.samples)
      return { kind, options: definedFields({ alpha, tolerance, passTolerance, minSamples }), samples, unit: raw.unit }
    }
  }
}

/** What a sampleSize says, before its query is made into a measurement of each arm. */
export interface CheckedSampleSize {
  minimum: number
  unit: string
  query?: string
  value?: Condition
}

/** The sampleSize of a metric, checked; undefined when it has problems (reported). */
export function checkSampleSize(raw: NonNullable<RawMetric['sampleSize']>, provider: ProviderKind, check: MetricChecker): CheckedSampleSize | undefined {
  const minimum = new Numbers(check, ['sampleSize']).get('minimum', raw.minimum, (n) => n > 0, 'must be more than 0: a reading with no observations behind it is no data')
  if (raw.query !== undefined && raw.value !== undefined) {
    check.report(['sampleSize'], 'give query or value, not both')
    return undefined
  }
  if (raw.query === undefined && raw.value === undefined) {
    check.report(['sampleSize'], 'needs query (a second query through the metric’s provider, e.g. the request count) or value (an expression over the same answer, e.g. result.requests)')
    return undefined
  }
  if (raw.query !== undefined && provider !== 'prometheus' && provider !== 'newRelic') {
    check.report(['sampleSize', 'query'], `a sampleSize query is a second query through the metric’s provider, which must then be prometheus or newRelic (this one is ${provider}): use value, an expression over the answer`)
    return undefined
  }
  const value = check.condition(['sampleSize', 'value'], raw.value)
  if (minimum === undefined || (raw.value !== undefined && !value)) return undefined
  return { minimum, unit: raw.unit ?? 'samples', query: raw.query, value }
}

/**
 * The analysis' scoring, checked against its mannWhitney metrics and set on each of them. One
 * scoring per analysis: Kayenta scores one canary configuration, and an analysis has one verdict.
 */
export function applyScoring(declared: Array<{ scoring: DeclaredScoring; template: string }>, specs: MetricSpec[], issues: IssueList, complete: boolean): void {
  if (declared.length === 0) return
  const where = (d: DeclaredScoring, path: YamlPath = []): string => d.doc.at(['spec', 'scoring', ...path])
  const report = (d: DeclaredScoring, path: YamlPath, message: string): void => {
    issues.add({ where: where(d, path), subject: `template "${d.template}"`, field: ['spec.scoring', ...path].join('.'), message })
  }
  const [first, ...others] = declared
  for (const other of others) {
    report(other.scoring, [], `this analysis also runs template "${first.template}", whose scoring is at ${where(first.scoring)}: an analysis has one score; keep one scoring (analyze: choose the templates with the templates input)`)
  }
  if (others.length) return
  const d = first.scoring
  const { pass, marginal, groups = {} } = d.value
  let valid = true
  for (const [field, value] of [['pass', pass], ['marginal', marginal]] as const) {
    if (!(value >= 0 && value <= 100)) {
      report(d, [field], `${value} is not a score from 0 to 100`)
      valid = false
    }
  }
  if (valid && marginal > pass) {
    report(d, ['marginal'], `${marginal} is above pass ${pass}: scores from pass up are Successful, from marginal up Inconclusive (manual review), below marginal Failed`)
    valid = false
  }
  for (const [group, weight] of Object.entries(groups)) {
    if (!(weight >= 0) || !Number.isFinite(weight)) {
      report(d, ['groups', group], `weight ${weight} must be a number ≥ 0 (percent)`)
      valid = false
    }
  }
  const total = Object.values(groups).reduce((sum, w) => sum + w, 0)
  if (total > 100 + 1e-9) {
    report(d, ['groups'], `the weights add up to ${total}, more than 100`)
    valid = false
  }
  if (!complete) return
  const judged = specs.filter((s) => s.judge?.kind === 'mannWhitney')
  if (judged.length === 0) {
    report(d, [], 'combines the mannWhitney metrics of the analysis into a score, and it has none: give metrics judge.mannWhitney, or remove scoring')
    return
  }
  const used = new Map<string, string[]>()
  for (const spec of judged) {
    const group = spec.judge!.kind === 'mannWhitney' ? spec.judge!.group : DEFAULT_GROUP
    used.set(group, [...(used.get(group) ?? []), spec.name])
  }
  for (const group of Object.keys(groups)) {
    if (used.has(group)) continue
    report(d, ['groups', group], `no mannWhitney metric is in group "${group}"${suggestion(group, used.keys())}: its weight would be taken from the groups that have metrics (groups: ${[...used.keys()].join(', ')})`)
    valid = false
  }
  const unweighted = [...used.keys()].filter((group) => !(group in groups))
  if (unweighted.length && total >= 100 - 1e-9) {
    for (const group of unweighted) {
      report(d, ['groups'], `group "${group}" (${used.get(group)!.join(', ')}) gets no weight: the weights given add up to 100, so its metrics could never change the score; give it a weight`)
    }
    valid = false
  }
  if (!valid) return
  const scoring: ScoringSpec = { template: d.template, location: where(d), groupWeights: { ...groups }, thresholds: { pass, marginal } }
  for (const spec of judged) spec.scoring = scoring
}
