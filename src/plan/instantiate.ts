// Templates + args → the metrics of one analysis run. Args resolve as template defaults < the plan
// (a Rollout's analysis step) < the `args` input; `{{args.name}}` is substituted everywhere in a
// metric; then every value is checked, and every problem is reported at its file and line.
import type { IssueList } from '../config-error.js'
import type { RE2JS } from 're2js'
import { compileRegex, RE2_HINT } from '../analysis/expr/regex.js'
import { referencedNames } from '../analysis/expr/index.js'
import type { BaselineSpec, Condition, JudgeSpec, MetricSpec, ProviderSpec, SampleSizeSpec } from '../analysis/types.js'
import { displayUrl, SECRET_NAME, type Secrets } from '../secrets.js'
import { parseDuration } from './duration.js'
import { parseJsonPath } from '../providers/jsonpath.js'
import type { YamlPath } from './load.js'
import type { JobConfig, NewRelicConfig, PrometheusConfig, RawArg, RawStepArg, WebConfig } from './schema.js'
import { MetricChecker } from './checker.js'
import { applyScoring, checkJudge, checkJudgedFields, checkNotJob, checkSampleSize, judgeKind, type CheckedSampleSize } from './comparison.js'
import { suggestion, type AnalysisTemplate, type DeclaredScoring, type TemplateMetric } from './templates.js'

export interface ArgValue {
  value: string
  secret: boolean
  /** Where the value came from, for the report: `template default`, `plan`, `input`, `secret x/y`. */
  source: string
}
export type ArgValues = Map<string, ArgValue>

/** Parses the `args` input: `name=value` lines (blank lines and `#` comments ignored). */
export function parseArgsInput(text: string, issues: IssueList): Map<string, string> {
  const args = new Map<string, string>()
  text.split(/\r?\n/).forEach((line, index) => {
    const trimmed = line.trim()
    if (trimmed === '' || trimmed.startsWith('#')) return
    const eq = trimmed.indexOf('=')
    if (eq <= 0) {
      issues.add({ where: 'input "args"', field: `line ${index + 1}`, message: 'expected name=value (the line is not shown: it may hold a secret)' })
      return
    }
    const name = trimmed.slice(0, eq).trim()
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) {
      issues.add({ where: 'input "args"', field: `line ${index + 1}`, message: `"${name}" is not a valid arg name (letters, digits, ".", "_", "-")` })
      return
    }
    args.set(name, trimmed.slice(eq + 1).trim())
  })
  return args
}

/** The source of a value the cluster gives later: such values are stand-ins, never secrets. */
export const DEFERRED_SOURCE = 'cluster (read when the analysis starts)'

/** Resolves an arg's valueFrom (a Kubernetes secret, a pod-template hash, a field); analyze has none. */
export type ValueFromResolver = (arg: RawArg | RawStepArg, template: AnalysisTemplate) => { value: string; source: string } | { problem: string }

export interface ArgContext {
  /** Args given by the plan's Rollout step, with where they were written. */
  stepArgs?: { args: RawStepArg[]; where: (index: number) => string }
  input: Map<string, string>
  resolveValueFrom?: ValueFromResolver
  secrets: Secrets
}

/**
 * The args of one template: its defaults < the plan's step < the args input. Each template of an
 * analysis resolves its own, so two templates may give the same arg different defaults.
 */
export function resolveArgs(template: AnalysisTemplate, context: ArgContext, issues: IssueList): ArgValues {
  const values: ArgValues = new Map()
  const stepArgs = new Map((context.stepArgs?.args ?? []).map((arg, index) => [arg.name, { arg, index }]))
  template.args.forEach((declared, index) => {
    // A composed template gathers args from the templates it is made of: name the one declaring it.
    const source = template.argSources[index]
    let resolved: { value: string; source: string } | undefined
    const fromInput = context.input.get(declared.name)
    const fromStep = stepArgs.get(declared.name)
    if (fromInput !== undefined) resolved = { value: fromInput, source: 'input' }
    else if (fromStep?.arg.value !== undefined) resolved = { value: String(fromStep.arg.value), source: 'plan' }
    else if (fromStep?.arg.valueFrom) resolved = fromValueFrom(fromStep.arg, template, context, issues, context.stepArgs!.where(fromStep.index), declared.name)
    else if (declared.value !== undefined) resolved = { value: String(declared.value), source: 'template default' }
    else if (declared.valueFrom) resolved = fromValueFrom(declared, template, context, issues, source.where, declared.name, source.template)
    else {
      issues.add({
        where: source.where,
        subject: `template "${source.template}"`,
        field: `spec.args[${source.index}]`,
        message: `arg "${declared.name}" has no value: give it in the args input (${declared.name}=…)${context.stepArgs ? " or in the Rollout's analysis step" : ''}`
      })
    }
    if (!resolved) return
    const secret = Boolean(declared.valueFrom?.secretKeyRef) || SECRET_NAME.test(declared.name) || resolved.source.startsWith('secret')
    if (secret && resolved.source !== DEFERRED_SOURCE) context.secrets.add(resolved.value)
    values.set(declared.name, { value: resolved.value, secret, source: resolved.source })
  })
  return values
}

function fromValueFrom(
  arg: RawArg | RawStepArg,
  template: AnalysisTemplate,
  context: ArgContext,
  issues: IssueList,
  where: string,
  name: string,
  declaredIn = template.name
): { value: string; source: string } | undefined {
  if (!context.resolveValueFrom) {
    const what = arg.valueFrom?.secretKeyRef
      ? `comes from the Kubernetes secret ${arg.valueFrom.secretKeyRef.name}/${arg.valueFrom.secretKeyRef.key}`
      : 'comes from the cluster (valueFrom)'
    issues.add({
      where,
      subject: `template "${declaredIn}"`,
      message: `arg "${name}" ${what}; analyze does not read the cluster: pass it in the args input (${name}=\${{ secrets.… }})`
    })
    return undefined
  }
  const resolved = context.resolveValueFrom(arg, template)
  if ('problem' in resolved) {
    issues.add({ where, subject: `template "${declaredIn}"`, message: `arg "${name}": ${resolved.problem}` })
    return undefined
  }
  return resolved
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g

interface Substitution {
  args: ArgValues
  report: (path: YamlPath, message: string) => void
  /** Declared args without a value (already reported): their placeholders are left, and the field marked. */
  missing?: { names: ReadonlySet<string>; mark: (path: YamlPath) => void }
}

/** The value with every `{{args.name}}` replaced; unknown placeholders are reported. */
export function substitute(value: unknown, sub: Substitution, path: YamlPath = []): unknown {
  if (typeof value === 'string') {
    return value.replace(PLACEHOLDER, (whole, inner: string) => {
      const match = /^args\.([A-Za-z0-9_.-]+)$/.exec(inner)
      if (!match) {
        sub.report(path, `unsupported placeholder ${whole}: only {{args.name}} is substituted`)
        return whole
      }
      const arg = sub.args.get(match[1])
      if (!arg && sub.missing?.names.has(match[1])) {
        sub.missing.mark(path)
        return whole
      }
      if (!arg) {
        sub.report(path, `${whole} names an arg the template does not declare (declare it under spec.args)`)
        return whole
      }
      return arg.value
    })
  }
  if (Array.isArray(value)) return value.map((item, index) => substitute(item, sub, [...path, index]))
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) out[key] = substitute(item, sub, [...path, key])
    return out
  }
  return value
}

export interface InstantiateContext {
  mode: 'analyze' | 'run'
  /** The `prometheus-url` input: the address of metrics that give none. */
  prometheusUrl?: string
  secrets: Secrets
  /** Extra dryRun metricName patterns (from a Rollout's analysis step). */
  dryRun?: string[]
  /** `file:line` of the step's dryRun[index].metricName, for problems with a pattern. */
  dryRunWhere?: (index: number) => string
}

export interface MetricLimits {
  /** undefined: the metric runs until the analysis stops, so no limit is out of reach. */
  count?: number
  failureLimit: number
  inconclusiveLimit: number
  consecutiveSuccessLimit: number
}

/**
 * Limits that can never be reached with `count` measurements, by field. Such a limit makes a pass
 * out of nothing: a metric that tolerates `count` failures could fail every measurement, one that
 * tolerates `count` inconclusive measurements could have no data throughout.
 */
export function unreachableLimits(limits: MetricLimits): Array<{ field: string; message: string }> {
  const { count, failureLimit, inconclusiveLimit, consecutiveSuccessLimit } = limits
  if (count === undefined) return []
  const problems: Array<{ field: string; message: string }> = []
  if (consecutiveSuccessLimit > 0) {
    // Argo's own rule; it also covers failureLimit ≥ count.
    const needed = Math.max(0, failureLimit) + consecutiveSuccessLimit
    if (count < needed) problems.push({ field: 'count', message: `count ${count} must be at least failureLimit + consecutiveSuccessLimit (${needed})` })
  } else if (failureLimit >= count) {
    problems.push({ field: 'failureLimit', message: `failureLimit ${failureLimit} is not below count ${count}: the metric could fail every measurement and never fail; use at most ${count - 1}` })
  }
  if (inconclusiveLimit >= count) {
    problems.push({ field: 'inconclusiveLimit', message: `inconclusiveLimit ${inconclusiveLimit} is not below count ${count}: every measurement could be inconclusive (no data) and the metric never end inconclusive; use at most ${count - 1}` })
  }
  return problems
}

/** A dryRun metricName rule: `*`, or an RE2 pattern (Go's syntax, as Argo reads it). */
interface DryRunRule {
  pattern: string
  regex?: RE2JS
}

/** The rules of one dryRun list; a pattern RE2 refuses is a configuration error at its line. */
function dryRunRules(patterns: string[], where: (index: number) => { where: string; subject?: string; field: string }, issues: IssueList): DryRunRule[] {
  return patterns.flatMap((pattern, index) => {
    if (pattern === '*') return [{ pattern }]
    const compiled = compileRegex(pattern)
    if ('problem' in compiled) {
      issues.add({ ...where(index), message: `${JSON.stringify(pattern)} is not a valid regular expression: ${compiled.problem}; ${RE2_HINT}` })
      return []
    }
    return [{ pattern, regex: compiled.regex }]
  })
}

// The whole name must match (Argo matches anywhere in it): a pattern such as `error` then keeps
// `error-rate` deciding rather than silently taking it out of the decision.
function matchesDryRun(rules: DryRunRule[], name: string): boolean {
  return rules.some((rule) => rule.pattern === '*' || rule.pattern === name || rule.regex?.testExact(name) === true)
}

function headerSecrets(headers: Array<{ key: string; value: string }> | undefined, secrets: Secrets): void {
  for (const header of headers ?? []) secrets.addHeader(header.key, header.value)
}

function checkProvider(metric: TemplateMetric, config: Record<string, unknown>, check: MetricChecker, context: InstantiateContext): ProviderSpec | undefined {
  const base = ['provider', metric.provider]
  switch (metric.provider) {
    case 'prometheus': {
      const cfg = config as PrometheusConfig
      const address = cfg.address ?? context.prometheusUrl
      // Credentials are registered before anything about this metric can be printed.
      context.secrets.addUrlSecrets(address)
      context.secrets.addUrlSecrets(cfg.authentication?.oauth2?.tokenUrl)
      context.secrets.addBasicAuth(cfg.authentication?.basicAuth?.username, cfg.authentication?.basicAuth?.password)
      if (!address) {
        check.report([...base, 'address'], 'no Prometheus address: set provider.prometheus.address or the prometheus-url input')
        return undefined
      }
      if (!/^https?:\/\//i.test(address)) check.report([...base, 'address'], `"${displayUrl(address)}" is not an http(s) URL`)
      check.whole([...base, 'timeout'], cfg.timeout, 1, 30)
      if (cfg.authentication?.sigv4) {
        check.report([...base, 'authentication', 'sigv4'], 'sigv4 (Amazon Managed Prometheus) is not supported by canary-gate; put a SigV4 proxy in front and give its address')
      }
      if (cfg.rangeQuery) {
        for (const key of ['start', 'end'] as const) check.condition(`provider.prometheus.rangeQuery.${key}`, cfg.rangeQuery[key])
        if (parseDuration(cfg.rangeQuery.step) === undefined) check.report([...base, 'rangeQuery', 'step'], `"${cfg.rangeQuery.step}" is not a duration`)
      }
      headerSecrets(cfg.headers, context.secrets)
      context.secrets.add(cfg.authentication?.oauth2?.clientSecret)
      return { kind: 'prometheus', config: { ...cfg, address } }
    }
    case 'newRelic': {
      const cfg = config as NewRelicConfig
      check.whole([...base, 'timeout'], cfg.timeout, 1, 5)
      return { kind: 'newRelic', config: cfg }
    }
    case 'web': {
      const cfg = config as WebConfig
      context.secrets.addUrlSecrets(cfg.url)
      context.secrets.addUrlSecrets(cfg.authentication?.oauth2?.tokenUrl)
      try {
        const url = new URL(cfg.url)
        if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme')
      } catch {
        check.report([...base, 'url'], `"${displayUrl(cfg.url)}" is not an http(s) URL`)
      }
      if (cfg.body !== undefined && cfg.jsonBody !== undefined) check.report([...base, 'jsonBody'], 'give body or jsonBody, not both')
      if ((cfg.body !== undefined || cfg.jsonBody !== undefined) && (cfg.method ?? 'GET') === 'GET') {
        check.report([...base, 'method'], 'a body needs method POST or PUT')
      }
      check.whole([...base, 'timeoutSeconds'], cfg.timeoutSeconds, 1, 10)
      if (cfg.jsonPath !== undefined) {
        try {
          parseJsonPath(cfg.jsonPath)
        } catch (error) {
          check.report([...base, 'jsonPath'], (error as Error).message)
        }
      }
      headerSecrets(cfg.headers, context.secrets)
      context.secrets.add(cfg.authentication?.oauth2?.clientSecret)
      return { kind: 'web', config: cfg }
    }
    case 'job': {
      if (context.mode === 'analyze') {
        check.report(base, 'a job metric runs in the cluster, and analyze never touches the cluster: run it with command run, or choose templates without job metrics (templates input)')
        return undefined
      }
      return { kind: 'job', config: config as JobConfig }
    }
  }
}

function queryText(provider: ProviderSpec): string {
  switch (provider.kind) {
    case 'prometheus':
      return provider.config.query.trim()
    case 'newRelic':
      return provider.config.query.trim()
    case 'web':
      return `${provider.config.method ?? 'GET'} ${displayUrl(provider.config.url)}${provider.config.jsonPath ? ` ${provider.config.jsonPath}` : ''}`
    case 'job': {
      const containers = provider.config.spec.template.spec.containers as Array<{ name: string; image?: string }>
      return `job ${containers.map((c) => c.image ?? c.name).join(', ')}`
    }
  }
}

/** The metric's provider asking another query: a sampleSize query (an instant query, one number). */
function withQuery(provider: ProviderSpec, query: string): ProviderSpec {
  switch (provider.kind) {
    case 'prometheus': {
      const { rangeQuery, ...config } = provider.config
      return { kind: 'prometheus', config: { ...config, query } }
    }
    case 'newRelic':
      return { kind: 'newRelic', config: { ...provider.config, query } }
    default:
      throw new Error(`a sampleSize query needs a prometheus or newRelic provider, not ${provider.kind}`)
  }
}

/** Reports problems of the baseline's copy of a field as the baseline's. */
class BaselineChecker extends MetricChecker {
  override report(field: Parameters<MetricChecker['report']>[0], message: string): void {
    super.report(field, `baseline: ${message}`)
  }
}

const usesArg = (value: unknown, name: string): boolean => {
  const text = JSON.stringify(value) ?? ''
  return [...text.matchAll(PLACEHOLDER)].some((match) => match[1] === `args.${name}`)
}

interface BaselineArgs {
  args: ArgValues
  shown: BaselineSpec['args']
  /** A value is a stand-in until the cluster is read (run's first check): sameness cannot be told yet. */
  deferred: boolean
}

/**
 * The args of the baseline's copy of the query: the metric's args with those of baseline.args
 * in their place. Each must be an arg the template declares, with a value (or, in run, valueFrom).
 */
function baselineArgs(template: AnalysisTemplate, metric: TemplateMetric, raw: TemplateMetric['raw'], args: ArgValues, context: InstantiateContext & ArgContext, check: MetricChecker): BaselineArgs | undefined {
  const declared = template.args.map((arg) => arg.name)
  const result: BaselineArgs = { args: new Map(args), shown: [], deferred: false }
  let ok = true
  const seen = new Set<string>()
  raw.baseline!.args.forEach((arg, index) => {
    const path = ['baseline', 'args', index]
    const problem = (field: string[], message: string): void => {
      check.report([...path, ...field], message)
      ok = false
    }
    if (!declared.includes(arg.name)) return problem(['name'], `arg "${arg.name}" is not declared by template "${template.name}"${suggestion(arg.name, declared)}: it would change nothing in the baseline’s query`)
    if (seen.has(arg.name)) return problem(['name'], `arg "${arg.name}" is given twice`)
    seen.add(arg.name)
    if (arg.value !== undefined && arg.valueFrom) return problem([], `arg "${arg.name}": give value or valueFrom, not both`)
    let resolved: { value: string; source: string } | undefined
    if (arg.value !== undefined) resolved = { value: String(arg.value), source: 'baseline' }
    else if (!arg.valueFrom) return problem([], `arg "${arg.name}" needs the baseline’s value${context.resolveValueFrom ? ' (or valueFrom)' : ''}`)
    else if (!context.resolveValueFrom) {
      return problem(['valueFrom'], `arg "${arg.name}" comes from the cluster (valueFrom), and analyze does not read the cluster: give the baseline’s value, e.g. value: "{{args.stable-${arg.name}}}" with that arg declared and given in the args input`)
    } else {
      // The arg as written, not its substituted copy: run's resolver knows the plan's own objects.
      const outcome = context.resolveValueFrom(metric.raw.baseline!.args[index], template)
      if ('problem' in outcome) return problem(['valueFrom'], `arg "${arg.name}": ${outcome.problem}`)
      resolved = outcome
    }
    const canary = args.get(arg.name)
    const secret = Boolean(canary?.secret) || Boolean(arg.valueFrom?.secretKeyRef) || SECRET_NAME.test(arg.name) || resolved.source.startsWith('secret')
    const deferred = resolved.source === DEFERRED_SOURCE || canary?.source === DEFERRED_SOURCE
    if (secret && !deferred) context.secrets.add(resolved.value)
    result.deferred ||= deferred
    result.args.set(arg.name, { value: resolved.value, secret, source: resolved.source })
    result.shown.push({ name: arg.name, value: resolved.value, source: resolved.source })
  })
  return ok ? result : undefined
}

/** Why the baseline's query came out as the canary's, arg by arg. */
function whySame(shown: BaselineSpec['args'], args: ArgValues, provider: unknown): string {
  return shown
    .map(({ name, value }) => {
      if (!usesArg(provider, name)) return `the provider does not use {{args.${name}}}`
      const canary = args.get(name)
      return canary?.secret ? `${name} is the same for both` : `${name} is ${JSON.stringify(value)} for both`
    })
    .join('; ')
}

/**
 * The baseline's copy of the metric's provider (and of its sampleSize query): the same query with
 * the baseline's args. A baseline that asks exactly what the canary asks would compare the canary
 * with itself and pass every regression, so it is refused.
 */
function instantiateBaseline(
  template: AnalysisTemplate,
  metric: TemplateMetric,
  raw: TemplateMetric['raw'],
  args: ArgValues,
  canary: ProviderSpec,
  context: InstantiateContext & ArgContext,
  check: MetricChecker
): { spec: BaselineSpec; args: BaselineArgs } | undefined {
  const resolved = baselineArgs(template, metric, raw, args, context, check)
  if (!resolved) return undefined
  // Placeholders the canary's copy could not fill were reported there already.
  const quiet: Substitution = { args: resolved.args, report: () => {} }
  const config = (substitute(metric.raw.provider, quiet) as Record<string, unknown>)[metric.provider] as Record<string, unknown>
  const provider = checkProvider(metric, config, new BaselineChecker(metric, check.issues), context)
  if (!provider) return undefined
  if (!resolved.deferred && JSON.stringify(provider.config) === JSON.stringify(canary.config)) {
    check.report(['baseline', 'args'], `the baseline measures the same as the canary: give baseline.args that differ (${whySame(resolved.shown, args, metric.raw.provider)})`)
    return undefined
  }
  return { spec: { provider, query: queryText(provider), args: resolved.shown }, args: resolved }
}

/** The sampleSize as the engine measures it: a second query per arm, or an expression. */
function sampleSizeSpec(sample: CheckedSampleSize, metric: TemplateMetric, canary: ProviderSpec, baseline: { spec: BaselineSpec; args: BaselineArgs } | undefined, check: MetricChecker): SampleSizeSpec | undefined {
  if (sample.query === undefined) return { minimum: sample.minimum, unit: sample.unit, value: sample.value }
  const text = sample.query.trim()
  let baselineQuery: ProviderSpec | undefined
  if (baseline) {
    const own = String(substitute(metric.raw.sampleSize!.query, { args: baseline.args.args, report: () => {} })).trim()
    if (own === text && !baseline.args.deferred) {
      check.report(['sampleSize', 'query'], `the baseline’s sampleSize query is the canary’s: it would count the same ${sample.unit} for both; use the args of baseline.args in it (${baseline.spec.args.map((a) => `{{args.${a.name}}}`).join(', ')})`)
      return undefined
    }
    baselineQuery = withQuery(baseline.spec.provider, own)
  }
  return { minimum: sample.minimum, unit: sample.unit, value: sample.value, query: { canary: withQuery(canary, text), baseline: baselineQuery, text } }
}

/** One metric of a template with its args applied, checked; undefined when it has problems. */
function instantiateMetric(
  template: AnalysisTemplate,
  metric: TemplateMetric,
  args: ArgValues,
  dryRunList: DryRunRule[],
  context: InstantiateContext & ArgContext,
  issues: IssueList,
  missing: ReadonlySet<string> = new Set()
): Omit<MetricSpec, 'name'> | undefined {
  const before = issues.issues.length
  const check = new MetricChecker(metric, issues)
  const raw = substitute(metric.raw, {
    args,
    report: (path, message) => {
      check.report(path, message)
      check.unresolvedAt(path)
    },
    missing: { names: missing, mark: (path) => check.unresolvedAt(path) }
  }) as typeof metric.raw
  // A field left with placeholders is reported once; every other field is still checked, so a
  // plan's problems are all found in one pass (lint), and the metric is not made.
  const intervalMs = check.duration('interval', raw.interval, false)
  const initialDelayMs = check.duration('initialDelay', raw.initialDelay, true) ?? 0
  let count: number | undefined = check.whole(['count'], raw.count, 0, 0)
  if (count === 0) count = raw.interval === undefined ? 1 : undefined
  if (count !== undefined && count > 1 && raw.interval === undefined) check.report(['count'], `count ${count} needs an interval between measurements`)
  const failureLimit = check.whole(['failureLimit'], raw.failureLimit, -1, 0)
  const inconclusiveLimit = check.whole(['inconclusiveLimit'], raw.inconclusiveLimit, 0, 0)
  const consecutiveErrorLimit = check.whole(['consecutiveErrorLimit'], raw.consecutiveErrorLimit, 0, 4)
  const consecutiveSuccessLimit = check.whole(['consecutiveSuccessLimit'], raw.consecutiveSuccessLimit, 0, 0)
  checkNotJob(raw, metric.provider, check)
  const kind = raw.judge && metric.provider !== 'job' ? judgeKind(raw.judge, check) : undefined
  let judge: JudgeSpec | undefined
  if (kind) {
    // The judge decides: Argo's limits and conditions are refused (checkJudgedFields), not checked.
    checkJudgedFields(raw, kind, metric.provider, check)
    judge = checkJudge(raw.judge!, kind, check)
    if (kind === 'mannWhitney' && count === undefined) {
      check.report(['count'], 'mannWhitney judges once, when count is reached (Kayenta’s fixed horizon): give the metric a count')
    }
  } else {
    if (failureLimit === -1 && consecutiveSuccessLimit === 0) {
      check.report(['failureLimit'], 'failureLimit -1 (no limit) needs a consecutiveSuccessLimit, or the metric could never fail')
    }
    for (const problem of unreachableLimits({ count, failureLimit, inconclusiveLimit, consecutiveSuccessLimit })) check.report([problem.field], problem.message)
  }
  const sample = raw.sampleSize && metric.provider !== 'job' ? checkSampleSize(raw.sampleSize, metric.provider, check) : undefined
  const successCondition = check.condition('successCondition', raw.successCondition)
  const failureCondition = check.condition('failureCondition', raw.failureCondition)
  checkBaselineReads(raw, { successCondition, failureCondition }, [sample?.value, judge?.kind === 'mannWhitney' || judge?.kind === 'sequentialMean' ? judge.samples : judge?.events], kind !== undefined, check)
  let thresholdRange: MetricSpec['thresholdRange']
  if (raw.thresholdRange) {
    const min = check.number(['thresholdRange', 'min'], raw.thresholdRange.min)
    const max = check.number(['thresholdRange', 'max'], raw.thresholdRange.max)
    if (min === undefined && max === undefined) check.report(['thresholdRange'], 'needs min, max or both')
    else if (min !== undefined && max !== undefined && min > max) check.report(['thresholdRange'], `min ${min} is greater than max ${max}`)
    else thresholdRange = { min, max }
  }
  const dryRun = raw.dryRun === true || matchesDryRun(dryRunList, raw.name)
  // A Job's exit code is a condition of its own (as in Argo); every other metric needs one.
  if (!dryRun && !raw.judge && metric.provider !== 'job' && raw.successCondition === undefined && raw.failureCondition === undefined && raw.thresholdRange === undefined) {
    check.report([], 'has no successCondition, failureCondition or thresholdRange: canary-gate does not pass a metric that checks nothing (Argo would); add a condition, or mark it dryRun')
  }
  const provider = checkProvider(metric, raw.provider[metric.provider] as Record<string, unknown>, check, context)
  if (!provider) return undefined
  const baseline = raw.baseline ? instantiateBaseline(template, metric, raw, args, provider, context, check) : undefined
  const sampleSize = sample ? sampleSizeSpec(sample, metric, provider, baseline, check) : undefined
  if (issues.issues.length > before) return undefined
  return {
    template: template.name,
    location: metric.doc.at(metric.path),
    intervalMs,
    initialDelayMs,
    count,
    successCondition,
    failureCondition,
    thresholdRange,
    failureLimit,
    inconclusiveLimit,
    consecutiveErrorLimit,
    consecutiveSuccessLimit,
    dryRun,
    provider,
    query: queryText(provider),
    ...(baseline ? { baseline: baseline.spec } : {}),
    ...(sampleSize ? { sampleSize } : {}),
    ...(judge ? { judge } : {})
  }
}

/**
 * `baseline` in a condition needs a baseline to read; a baseline no condition reads is measured for
 * nothing (and was likely meant to be compared). The expressions over one arm's answer (samples,
 * events, sampleSize.value) see that answer as `result` only.
 */
function checkBaselineReads(
  raw: TemplateMetric['raw'],
  conditions: { successCondition?: Condition; failureCondition?: Condition },
  perArm: Array<Condition | undefined>,
  judged: boolean,
  check: MetricChecker
): void {
  const reads = (condition: Condition | undefined): boolean => Boolean(condition && referencedNames(condition.expr).includes('baseline'))
  let read = false
  for (const [field, condition] of Object.entries(conditions)) {
    if (!reads(condition)) continue
    read = true
    if (!raw.baseline) check.report([field], 'reads baseline, but the metric has no baseline: add baseline.args, the args that differ for the stable version')
  }
  for (const condition of perArm) {
    if (reads(condition)) check.report([], `${condition!.source} reads baseline, but it is evaluated on each arm’s answer, which it sees as result`)
  }
  if (raw.baseline && !judged && !read && (raw.successCondition !== undefined || raw.failureCondition !== undefined || raw.thresholdRange !== undefined)) {
    check.report(['baseline'], 'is measured, but no condition reads it: compare with it (e.g. successCondition: result <= baseline * 1.1), or remove baseline')
  }
}

/** The metrics of an analysis made of `templates`; names made unique across templates. */
export function instantiateMetrics(templates: AnalysisTemplate[], context: InstantiateContext & ArgContext, issues: IssueList): MetricSpec[] {
  const counts = new Map<string, number>()
  for (const template of templates) for (const metric of template.metrics) counts.set(metric.raw.name, (counts.get(metric.raw.name) ?? 0) + 1)
  const specs: MetricSpec[] = []
  const scorings: Array<{ scoring: DeclaredScoring; template: string }> = []
  const stepRules = dryRunRules(context.dryRun ?? [], (index) => ({ where: context.dryRunWhere?.(index) ?? 'the analysis step', field: `dryRun[${index}].metricName` }), issues)
  const start = issues.issues.length
  for (const template of templates) {
    const before = issues.issues.length
    const templateRules = dryRunRules(
      template.dryRun,
      (index) => {
        const source = template.dryRunSources[index]
        return { where: source.where, subject: `template "${source.template}"`, field: `spec.dryRun[${source.index}].metricName` }
      },
      issues
    )
    if (template.scoring) scorings.push({ scoring: template.scoring, template: template.name })
    const args = resolveArgs(template, context, issues)
    const argsResolved = issues.issues.length === before
    // Args without a value were reported: their fields are skipped, the rest of each metric still checked.
    const missing = new Set(template.args.map((arg) => arg.name).filter((name) => !args.has(name)))
    for (const metric of template.metrics) {
      const spec = instantiateMetric(template, metric, args, [...templateRules, ...stepRules], context, issues, missing)
      if (!spec || !argsResolved) continue
      const name = (counts.get(metric.raw.name) ?? 0) > 1 ? `${template.name}/${metric.raw.name}` : metric.raw.name
      specs.push({ name, ...spec })
    }
  }
  // With metrics missing for their problems, which groups are used cannot be told.
  applyScoring(scorings, specs, issues, issues.issues.length === start)
  return specs
}
