// Flagger's Canary and MetricTemplate documents → a FlaggerPlan: the Deployment it releases, the
// router, the analysis with Flagger's defaults, every metric as the engine's MetricSpec (templates
// resolved and rendered, builtins expanded to Flagger's own queries) and the webhooks. Every problem
// is reported at its file and line, as for Argo's documents.
import type { IssueList } from '../../config-error.js'
import type { MetricSpec, ProviderSpec } from '../../analysis/types.js'
import { parseDuration } from '../duration.js'
import type { SourceDocument, YamlPath } from '../load.js'
import type { NewRelicConfig, PrometheusConfig } from '../schema.js'
import { fieldPath, reportZodIssues, suggestion } from '../templates.js'
import { BUILTIN_QUERIES, BUILTIN_SUFFIX, isBuiltinMetric, ROUTER_PROVIDERS, type BuiltinMetric, type RouterProvider } from './builtin.js'
import { renderQuery, type MetricTemplateModel } from './render.js'
import {
  canarySchema,
  FLAGGER_METRIC_PROVIDERS,
  metricSchemas,
  metricTemplateSchema,
  READ_METRIC_PROVIDERS,
  type RawAnalysis,
  type RawCanary,
  type RawFlaggerMetric,
  type RawMatch,
  type RawMetricTemplate,
  type WebhookType
} from './schema.js'

/** Flagger's defaults (canary.go, webhook.go). */
export const FLAGGER_DEFAULTS = {
  intervalMs: 60_000,
  /** Flagger raises a shorter analysis interval to this. */
  minIntervalMs: 10_000,
  threshold: 1,
  maxWeight: 100,
  metricInterval: '1m',
  webhookTimeout: '10s',
  progressDeadlineSeconds: 600
} as const

export type FlaggerStrategy = 'canary' | 'blue-green' | 'ab-testing'

export interface FlaggerAnalysis {
  /** canary: weights; ab-testing: iterations with match; blue-green: iterations without (canary.go DeploymentStrategy). */
  strategy: FlaggerStrategy
  intervalMs: number
  /** Failed checks that roll the canary back. */
  threshold: number
  /** The weight at which the canary is promoted: maxWeight, or the last of stepWeights. */
  maxWeight: number
  /** 0 when stepWeights are used. */
  stepWeight: number
  stepWeights: number[]
  /** 0: all traffic back to the primary at once on promotion. */
  stepWeightPromotion: number
  /** 0 for a weighted canary. */
  iterations: number
  match: RawMatch[]
  mirror: boolean
  mirrorWeight?: number
}

export interface FlaggerMetric {
  name: string
  /** How Flagger measures it: one of its builtins, a MetricTemplate, or the deprecated inline query. */
  source: 'builtin' | 'template' | 'query'
  /** The builtin it is (its Halt message and unit follow from it). */
  builtin?: BuiltinMetric
  template?: { name: string; namespace: string }
  /** The query's window, `{{ interval }}` (default 1m). */
  window: string
  windowMs: number
  variables: Record<string, string>
  /** The secret holding the provider's credentials (MetricTemplate provider.secretRef), read when the run starts. */
  secretRef?: { name: string; namespace: string }
  /** One measurement per analysis interval; a reading outside thresholdRange or an error is a failed check. */
  spec: MetricSpec
}

export interface FlaggerWebhook {
  name: string
  /** Flagger's type; an empty type is `rollout`. */
  type: WebhookType
  url: string
  /** As written, or Flagger's 10s. */
  timeout: string
  timeoutMs: number
  metadata: Record<string, string>
  retries: number
  disableTLS: boolean
  muteAlert: boolean
  /** `file:line` of the webhook. */
  location: string
}

export interface FlaggerPlan {
  /** The Canary's name and namespace (the `podinfo.test` of Flagger's messages). */
  name: string
  namespace: string
  doc: SourceDocument
  target: { kind: 'Deployment'; name: string; namespace: string; primaryName: string }
  service: {
    /** The apex service: spec.service.name, or the target's name. */
    name: string
    primaryName: string
    canaryName: string
    port: number
    portName: string
    targetPort?: number | string
    hosts: string[]
    /** The router: spec.provider, or what the references imply. */
    provider: RouterProvider
    /** nginx: the Ingress Flagger clones as `<ingress>-canary`. */
    ingressRef?: { name: string; apiVersion?: string; kind?: string }
    /** gatewayapi: the Gateways the HTTPRoute attaches to. */
    gatewayRefs: Array<{ name: string; namespace?: string; sectionName?: string; port?: number; group?: string; kind?: string }>
  }
  /** spec.metricsServer: the builtins' Prometheus (else the prometheus-url input). */
  metricsServer?: string
  analysis: FlaggerAnalysis
  metrics: FlaggerMetric[]
  webhooks: FlaggerWebhook[]
  progressDeadlineSeconds: number
}

export interface FlaggerReadOptions {
  /** The namespace of documents that name none (kubectl's default). */
  namespace?: string
  /**
   * What `{{ target }}` renders to in queries. Flagger runs the canary's pods in the target Deployment
   * itself; canary-gate runs them in `<target>-canary`, so the run passes that name and a query
   * selecting `{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)` still selects the canary's pods.
   */
  canaryWorkload?: (target: string) => string
}

interface ReadTemplate {
  raw: RawMetricTemplate
  doc: SourceDocument
  namespace: string
}

const INTERVAL_PATTERN = /^[0-9]+(m|s)/

type Report = (path: YamlPath, message: string, subject?: string) => void

/** The Canaries of the documents, each read against the MetricTemplates of the plan. */
export function readFlaggerPlans(docs: SourceDocument[], issues: IssueList, options: FlaggerReadOptions = {}): FlaggerPlan[] {
  const defaultNamespace = options.namespace ?? 'default'
  const templates = readMetricTemplates(docs, issues, defaultNamespace)
  const plans: FlaggerPlan[] = []
  for (const doc of docs) {
    if (doc.kind !== 'Canary') continue
    const plan = readCanary(doc, templates, issues, defaultNamespace, options.canaryWorkload)
    if (plan) plans.push(plan)
  }
  return plans
}

/** The plan's MetricTemplates by `namespace/name`; a template already reported as unreadable is `undefined`, so a metric naming it adds no second problem. */
type Templates = Map<string, ReadTemplate | undefined>

function readMetricTemplates(docs: SourceDocument[], issues: IssueList, defaultNamespace: string): Templates {
  const found: Templates = new Map()
  for (const doc of docs) {
    if (doc.kind !== 'MetricTemplate') continue
    const subject = `metric template "${doc.name || '?'}"`
    const parsed = metricTemplateSchema.safeParse({ ...doc.value, kind: doc.kind })
    const namespace = typeof (doc.value.metadata as { namespace?: unknown } | undefined)?.namespace === 'string' ? ((doc.value.metadata as { namespace: string }).namespace) : defaultNamespace
    if (!parsed.success) {
      reportZodIssues(parsed.error, doc, [], subject, issues, metricTemplateSchema)
      if (doc.name && !found.has(`${namespace}/${doc.name}`)) found.set(`${namespace}/${doc.name}`, undefined)
      continue
    }
    const key = `${namespace}/${parsed.data.metadata.name}`
    const previous = found.get(key)
    if (previous) {
      issues.add({ where: doc.at(['metadata', 'name']), subject, field: 'metadata.name', message: `appears twice in namespace ${namespace} (also at ${previous.doc.at(['metadata', 'name'])})` })
      continue
    }
    const type = parsed.data.spec.provider.type
    if (!(READ_METRIC_PROVIDERS as readonly string[]).includes(type)) {
      const known = (FLAGGER_METRIC_PROVIDERS as readonly string[]).includes(type)
      issues.add({
        where: doc.at(['spec', 'provider', 'type']),
        subject,
        field: 'spec.provider.type',
        message: known
          ? `provider "${type}" is not supported by canary-gate (supported: ${READ_METRIC_PROVIDERS.join(', ')})`
          : `Flagger has no provider "${type}"${suggestion(type, FLAGGER_METRIC_PROVIDERS)} (canary-gate reads ${READ_METRIC_PROVIDERS.join(', ')})`
      })
      found.set(key, undefined)
      continue
    }
    found.set(key, { raw: parsed.data, doc, namespace })
  }
  return found
}

function readCanary(doc: SourceDocument, templates: Templates, issues: IssueList, defaultNamespace: string, canaryWorkload?: (target: string) => string): FlaggerPlan | undefined {
  const subject = `canary "${doc.name || '?'}"`
  const before = issues.issues.length
  const report: Report = (path, message, who = subject) => issues.add({ where: doc.at(path), subject: who, field: fieldPath(path) || undefined, message })
  const value: Record<string, unknown> = { ...doc.value, kind: doc.kind }
  const spec = value.spec && typeof value.spec === 'object' ? (value.spec as Record<string, unknown>) : undefined
  if (spec && 'canaryAnalysis' in spec) {
    report(['spec', 'canaryAnalysis'], 'is the name Flagger’s v1alpha3 used; write spec.analysis')
    const { canaryAnalysis: _dropped, ...rest } = spec
    value.spec = rest
  }
  const parsed = canarySchema.safeParse(value)
  if (!parsed.success) {
    reportZodIssues(parsed.error, doc, [], subject, issues, canarySchema)
    return undefined
  }
  const canary = parsed.data
  const name = canary.metadata.name
  const namespace = canary.metadata.namespace ?? defaultNamespace
  const target = canary.spec.targetRef
  // A Flagger Canary is read for Deployments; an Argo Rollout keeps its own steps (rollout.ts).
  if (target.kind !== undefined && target.kind !== 'Deployment') {
    report(['spec', 'targetRef', 'kind'], `is ${target.kind}: canary-gate reads a Flagger Canary for a Deployment (an Argo Rollout keeps its own canary steps)`)
  }
  if (target.apiVersion !== undefined && target.apiVersion !== 'apps/v1') report(['spec', 'targetRef', 'apiVersion'], `"${target.apiVersion}" does not serve Deployments: write apps/v1`)
  const provider = routerOf(canary, report)
  const analysisRaw = canary.spec.analysis
  if (canary.spec.skipAnalysis === true) report(['spec', 'skipAnalysis'], 'promotes the canary without analysing it: canary-gate has nothing to gate; remove it')
  if (!analysisRaw) {
    report(['spec'], 'has no analysis: Flagger would promote the canary without checking it; add spec.analysis')
    return undefined
  }
  const analysis = readAnalysis(analysisRaw, report)
  const serviceName = canary.spec.service.name || target.name
  const model = (window: string, variables: Record<string, string>): MetricTemplateModel => ({
    name,
    namespace,
    target: canaryWorkload?.(target.name) ?? target.name,
    service: serviceName,
    ingress: canary.spec.ingressRef?.name ?? target.name,
    route: canary.spec.routeRef?.name ?? target.name,
    interval: window,
    variables
  })
  const metrics = readMetrics(doc, canary, analysisRaw, analysis, provider, namespace, templates, model, issues)
  const webhooks = readWebhooks(doc, analysisRaw, issues)
  if ((analysisRaw.metrics ?? []).length === 0 && !(analysisRaw.webhooks ?? []).some((hook) => hook && typeof hook === 'object' && [undefined, '', 'rollout'].includes((hook as { type?: string }).type))) {
    report(['spec', 'analysis'], 'checks nothing (no metrics and no rollout webhooks): Flagger would advance on every interval; add metrics')
  }
  if (issues.issues.length > before || !analysis || !provider) return undefined
  return {
    name,
    namespace,
    doc,
    target: { kind: 'Deployment', name: target.name, namespace, primaryName: `${target.name}-primary` },
    service: {
      name: serviceName,
      primaryName: `${serviceName}-primary`,
      canaryName: `${serviceName}-canary`,
      port: canary.spec.service.port,
      portName: canary.spec.service.portName || 'http',
      targetPort: canary.spec.service.targetPort,
      hosts: canary.spec.service.hosts ?? [],
      provider,
      ingressRef: canary.spec.ingressRef,
      gatewayRefs: canary.spec.service.gatewayRefs ?? []
    },
    metricsServer: canary.spec.metricsServer,
    analysis,
    metrics,
    webhooks,
    progressDeadlineSeconds: canary.spec.progressDeadlineSeconds ?? FLAGGER_DEFAULTS.progressDeadlineSeconds
  }
}

/** The router: spec.provider, or the one the references imply (Flagger takes it from its -mesh-provider flag otherwise). */
function routerOf(canary: RawCanary, report: Report): RouterProvider | undefined {
  const written = canary.spec.provider
  let provider: RouterProvider | undefined
  if (written !== undefined) {
    // gatewayapi:v1 and gatewayapi:v1beta1 name the API version Flagger writes HTTPRoutes in.
    const base = written.startsWith('gatewayapi') && /^gatewayapi(:v1(beta1)?)?$/.test(written) ? 'gatewayapi' : written
    if (!(ROUTER_PROVIDERS as readonly string[]).includes(base)) {
      report(['spec', 'provider'], `"${written}" is not a router canary-gate drives (it reads nginx and gatewayapi)${suggestion(written, ROUTER_PROVIDERS)}`)
      return undefined
    }
    provider = base as RouterProvider
  } else if (canary.spec.service.gatewayRefs?.length) provider = 'gatewayapi'
  else if (canary.spec.ingressRef) provider = 'nginx'
  else {
    report(['spec'], 'names no provider: Flagger takes it from its -mesh-provider flag, which canary-gate cannot see; set spec.provider: nginx (with spec.ingressRef) or gatewayapi (with spec.service.gatewayRefs)')
    return undefined
  }
  if (provider === 'nginx' && !canary.spec.ingressRef) report(['spec'], 'provider nginx needs spec.ingressRef: the Ingress Flagger clones as the canary ingress')
  if (provider === 'gatewayapi' && !canary.spec.service.gatewayRefs?.length) report(['spec', 'service'], 'provider gatewayapi needs service.gatewayRefs: the Gateways the HTTPRoute attaches to')
  return provider
}

function readAnalysis(raw: RawAnalysis, report: Report): FlaggerAnalysis | undefined {
  const base: YamlPath = ['spec', 'analysis']
  const at = (field: string): YamlPath => [...base, field]
  let ok = true
  const fail = (path: YamlPath, message: string): void => {
    ok = false
    report(path, message)
  }
  let intervalMs: number = FLAGGER_DEFAULTS.intervalMs
  if (raw.interval === undefined) fail(base, 'needs an interval (Flagger’s CRD requires it), such as interval: 1m')
  else {
    const ms = INTERVAL_PATTERN.test(raw.interval) ? parseDuration(raw.interval) : undefined
    if (ms === undefined || ms <= 0) fail(at('interval'), `"${raw.interval}" is not a duration Flagger reads, such as 30s or 1m`)
    // Flagger raises a shorter interval to 10s (GetAnalysisInterval).
    else intervalMs = Math.max(ms, FLAGGER_DEFAULTS.minIntervalMs)
  }
  if (raw.threshold === undefined) fail(base, 'needs a threshold, the failed checks that roll the canary back (Flagger’s CRD requires it)')
  const threshold = raw.threshold !== undefined && raw.threshold > 0 ? raw.threshold : FLAGGER_DEFAULTS.threshold
  const weight = (field: string, value: number | undefined, min: number): void => {
    if (value !== undefined && (value < min || value > 100)) fail(at(field), `${value} is not a weight from ${min} to 100`)
  }
  weight('maxWeight', raw.maxWeight, 1)
  weight('stepWeight', raw.stepWeight, 1)
  weight('stepWeightPromotion', raw.stepWeightPromotion, 1)
  const steps = raw.stepWeights ?? []
  steps.forEach((step, index) => {
    if (step < 1 || step > 100) fail([...base, 'stepWeights', index], `${step} is not a weight from 1 to 100`)
    else if (index > 0 && step <= steps[index - 1]) fail([...base, 'stepWeights', index], `${step} does not increase on ${steps[index - 1]}: each step weight must be above the one before`)
  })
  const iterations = raw.iterations ?? 0
  if (iterations < 0) fail(at('iterations'), 'must be at least 0')
  // The CRD's oneOf: iterations, stepWeight or stepWeights, exactly one.
  const modes = (['iterations', 'stepWeight', 'stepWeights'] as const).filter((field) => raw[field] !== undefined)
  if (modes.length === 0) fail(base, 'needs stepWeight, stepWeights (a weighted canary) or iterations (A/B testing with match)')
  if (raw.stepWeight !== undefined && raw.stepWeights !== undefined) fail(at('stepWeights'), 'is set with stepWeight: write one of them (Flagger’s CRD takes one, and uses stepWeights only when stepWeight is 0)')
  else if (raw.iterations !== undefined && modes.length > 1) fail(at('iterations'), `is set with ${modes.filter((m) => m !== 'iterations').join(', ')}: iterations run an A/B or blue/green test, weights a canary; write one`)
  if (raw.stepWeight !== undefined && raw.maxWeight !== undefined && raw.maxWeight < raw.stepWeight) {
    fail(at('maxWeight'), `${raw.maxWeight} is below stepWeight ${raw.stepWeight}: the first step would pass it`)
  }
  if (raw.stepWeights !== undefined && raw.maxWeight !== undefined && steps.length > 0 && raw.maxWeight !== steps[steps.length - 1]) {
    fail(at('maxWeight'), `is ignored with stepWeights: Flagger promotes at the last step weight, ${steps[steps.length - 1]}; remove maxWeight or make it ${steps[steps.length - 1]}`)
  }
  const match = raw.match ?? []
  if (match.length > 0 && iterations === 0) fail(at('match'), 'needs iterations: without them Flagger runs a weighted canary and ignores match')
  match.forEach((condition, index) => {
    for (const [header, value] of Object.entries(condition.headers ?? {})) {
      const set = (['exact', 'prefix', 'suffix', 'regex'] as const).filter((key) => value[key] !== undefined)
      if (set.length !== 1) fail([...base, 'match', index, 'headers', header], set.length === 0 ? 'needs one of exact, prefix, suffix or regex' : `sets ${set.join(' and ')}: a header match has exactly one`)
    }
  })
  if (!ok) return undefined
  const strategy: FlaggerStrategy = iterations > 0 ? (match.length > 0 ? 'ab-testing' : 'blue-green') : 'canary'
  // maxWeight(): the last of stepWeights (at most 100), else maxWeight, else 100.
  const maxWeight = steps.length > 0 ? Math.min(100, steps[steps.length - 1]) : raw.maxWeight && raw.maxWeight > 0 ? raw.maxWeight : FLAGGER_DEFAULTS.maxWeight
  return {
    strategy,
    intervalMs,
    threshold,
    maxWeight,
    stepWeight: raw.stepWeight ?? 0,
    stepWeights: steps,
    stepWeightPromotion: raw.stepWeightPromotion ?? 0,
    iterations,
    match,
    mirror: raw.mirror ?? false,
    ...(raw.mirrorWeight !== undefined ? { mirrorWeight: raw.mirrorWeight } : {})
  }
}

function readMetrics(
  doc: SourceDocument,
  canary: RawCanary,
  raw: RawAnalysis,
  analysis: FlaggerAnalysis | undefined,
  provider: RouterProvider | undefined,
  namespace: string,
  templates: Templates,
  model: (window: string, variables: Record<string, string>) => MetricTemplateModel,
  issues: IssueList
): FlaggerMetric[] {
  const out: FlaggerMetric[] = []
  const seen = new Map<string, number>()
  ;(raw.metrics ?? []).forEach((item, index) => {
    const path: YamlPath = ['spec', 'analysis', 'metrics', index]
    const name = item && typeof item === 'object' && typeof (item as { name?: unknown }).name === 'string' ? (item as { name: string }).name : `#${index + 1}`
    const subject = `metric "${name}"`
    const report = (field: YamlPath, message: string): void => issues.add({ where: doc.at([...path, ...field]), subject, field: fieldPath(field) || undefined, message })
    const parsed = metricSchemas.metric.safeParse(item)
    if (!parsed.success) {
      reportZodIssues(parsed.error, doc, path, subject, issues, metricSchemas.metric)
      return
    }
    const metric = parsed.data
    const previous = seen.get(metric.name)
    if (previous !== undefined) {
      report(['name'], `appears twice in the analysis (also at line ${doc.lineOf(['spec', 'analysis', 'metrics', previous, 'name'])})`)
      return
    }
    seen.set(metric.name, index)
    const read = readMetric(metric, report, { doc, path, canary, analysis, provider, namespace, templates, model })
    if (read) out.push(read)
  })
  // Flagger runs the builtins and inline queries first (runBuiltinMetricChecks), then the templates (runMetricChecks).
  return [...out.filter((m) => m.source !== 'template'), ...out.filter((m) => m.source === 'template')]
}

interface MetricContext {
  doc: SourceDocument
  path: YamlPath
  canary: RawCanary
  analysis: FlaggerAnalysis | undefined
  provider: RouterProvider | undefined
  namespace: string
  templates: Templates
  model: (window: string, variables: Record<string, string>) => MetricTemplateModel
}

function readMetric(metric: RawFlaggerMetric, report: (field: YamlPath, message: string) => void, context: MetricContext): FlaggerMetric | undefined {
  const { doc, path, canary, provider, namespace, templates } = context
  let ok = true
  const fail = (field: YamlPath, message: string): void => {
    ok = false
    report(field, message)
  }
  const window = metric.interval ?? FLAGGER_DEFAULTS.metricInterval
  const windowMs = INTERVAL_PATTERN.test(window) ? parseDuration(window) : undefined
  if (windowMs === undefined || windowMs <= 0) fail(['interval'], `"${window}" is not a duration Flagger reads, such as 30s or 1m`)
  const builtin = isBuiltinMetric(metric.name) ? metric.name : undefined
  const source: FlaggerMetric['source'] = metric.templateRef ? 'template' : metric.query !== undefined ? 'query' : builtin ? 'builtin' : 'template'
  if (builtin && (metric.templateRef || metric.query !== undefined)) {
    fail(['name'], `"${metric.name}" is one of Flagger’s builtin metrics: Flagger would run the builtin as well as the ${metric.templateRef ? 'templateRef' : 'query'}; give the metric another name`)
  }
  if (!builtin && !metric.templateRef && metric.query === undefined) {
    fail([], `has no templateRef (and is not one of Flagger’s builtins request-success-rate, request-duration${suggestion(metric.name, ['request-success-rate', 'request-duration'])}): Flagger fails every check with "no usable metrics template and query were configured"`)
  }
  if (metric.templateRef && metric.query !== undefined) fail(['query'], 'is set with templateRef: Flagger would run both; keep the templateRef')
  // thresholdRange, or Flagger's deprecated threshold: a minimum success rate, else a maximum.
  let thresholdRange: MetricSpec['thresholdRange']
  if (metric.thresholdRange) {
    const { min, max } = metric.thresholdRange
    if (min === undefined && max === undefined) fail(['thresholdRange'], 'needs min, max or both')
    else if (min !== undefined && max !== undefined && min > max) fail(['thresholdRange'], `min ${min} is greater than max ${max}`)
    else thresholdRange = { min, max }
    if (metric.threshold !== undefined) fail(['threshold'], 'is ignored with thresholdRange (Flagger’s deprecated form of it); remove it')
  } else if (metric.threshold !== undefined) {
    thresholdRange = builtin === 'request-success-rate' ? { min: metric.threshold } : { max: metric.threshold }
  } else {
    fail([], `has no thresholdRange: Flagger would compare the value with 0; add thresholdRange ${builtin === 'request-success-rate' ? '{min: 99}' : '{max: …}'}`)
  }
  const variables = metric.templateVariables ?? {}
  let query: string | undefined
  let spec: Extract<ProviderSpec, { kind: 'prometheus' | 'newRelic' }> | undefined
  let template: FlaggerMetric['template']
  let secretRef: FlaggerMetric['secretRef']
  const render = (text: string, field: YamlPath, where: string, who: string): string | undefined => {
    const rendered = renderQuery(text, context.model(window, variables))
    for (const problem of rendered.problems) {
      ok = false
      report(field, `${who} ${problem}${where}`)
    }
    return rendered.text
  }
  if (metric.templateRef) {
    const ns = metric.templateRef.namespace || namespace
    const key = `${ns}/${metric.templateRef.name}`
    const found = templates.get(key)
    if (!found && templates.has(key)) ok = false
    else if (!found) {
      const available = [...templates.values()].filter((t) => t !== undefined).map((t) => (t.namespace === namespace ? t.raw.metadata.name : `${t.namespace}/${t.raw.metadata.name}`))
      fail(['templateRef', 'name'], `no MetricTemplate "${metric.templateRef.name}" in namespace ${ns} in the plan (it has: ${available.join(', ') || 'none'}); add its file to the plan input`)
    } else {
      template = { name: found.raw.metadata.name, namespace: found.namespace }
      const where = ` (query at ${found.doc.at(['spec', 'query'])})`
      query = render(found.raw.spec.query, ['templateRef'], where, `MetricTemplate "${found.raw.metadata.name}":`)
      if (query !== undefined) spec = templateProvider(found, query.trim())
      if (found.raw.spec.provider.secretRef) secretRef = { name: found.raw.spec.provider.secretRef.name, namespace: found.namespace }
    }
  } else if (metric.query !== undefined) {
    query = render(metric.query, ['query'], '', 'the query')
    if (query !== undefined) spec = { kind: 'prometheus', config: { query: query.trim(), ...(canary.spec.metricsServer ? { address: canary.spec.metricsServer } : {}) } }
  } else if (builtin && !provider && canary.spec.provider !== undefined) {
    fail(['name'], `canary-gate has Flagger’s ${builtin} for nginx and gatewayapi only, not for provider "${canary.spec.provider}"; write a MetricTemplate with the query`)
  } else if (builtin && provider) {
    const text = render(BUILTIN_QUERIES[provider][builtin], ['name'], '', `Flagger’s ${provider} ${builtin}:`)
    if (text !== undefined) {
      query = `${text.trim()}${BUILTIN_SUFFIX[provider][builtin]}`
      spec = { kind: 'prometheus', config: { query, ...(canary.spec.metricsServer ? { address: canary.spec.metricsServer } : {}) } }
    }
  }
  if (!ok || !spec || windowMs === undefined) return undefined
  const intervalMs = context.analysis?.intervalMs ?? FLAGGER_DEFAULTS.intervalMs
  return {
    name: metric.name,
    source,
    ...(builtin && source === 'builtin' ? { builtin } : {}),
    ...(template ? { template } : {}),
    window,
    windowMs,
    variables,
    ...(secretRef ? { secretRef } : {}),
    spec: {
      name: metric.name,
      template: template ? template.name : `canary ${canary.metadata.name}`,
      location: doc.at(path),
      intervalMs,
      initialDelayMs: 0,
      // One reading per analysis interval; an error (no values) halts the interval as a failure
      // does: Flagger counts both as one failed check.
      count: 1,
      thresholdRange,
      failureLimit: 0,
      inconclusiveLimit: 0,
      consecutiveErrorLimit: 0,
      consecutiveSuccessLimit: 0,
      dryRun: false,
      provider: spec,
      query: spec.config.query.trim()
    }
  }
}

function templateProvider(template: ReadTemplate, query: string): Extract<ProviderSpec, { kind: 'prometheus' | 'newRelic' }> {
  const provider = template.raw.spec.provider
  if (provider.type === 'newrelic') {
    const config: NewRelicConfig = { query }
    return { kind: 'newRelic', config }
  }
  const headers = Object.entries(provider.headers ?? {}).flatMap(([key, values]) => values.map((value) => ({ key, value })))
  const config: PrometheusConfig = {
    query,
    ...(provider.address ? { address: provider.address } : {}),
    ...(headers.length > 0 ? { headers } : {}),
    ...(provider.insecureSkipVerify ? { insecure: true } : {})
  }
  return { kind: 'prometheus', config }
}

function readWebhooks(doc: SourceDocument, raw: RawAnalysis, issues: IssueList): FlaggerWebhook[] {
  const out: FlaggerWebhook[] = []
  const seen = new Map<string, number>()
  ;(raw.webhooks ?? []).forEach((item, index) => {
    const path: YamlPath = ['spec', 'analysis', 'webhooks', index]
    const name = item && typeof item === 'object' && typeof (item as { name?: unknown }).name === 'string' ? (item as { name: string }).name : `#${index + 1}`
    const subject = `webhook "${name}"`
    const parsed = metricSchemas.webhook.safeParse(item)
    if (!parsed.success) {
      reportZodIssues(parsed.error, doc, path, subject, issues, metricSchemas.webhook)
      return
    }
    const hook = parsed.data
    const report = (field: string, message: string): void => issues.add({ where: doc.at([...path, field]), subject, field, message })
    const previous = seen.get(hook.name)
    if (previous !== undefined) report('name', `appears twice in the webhooks (also at line ${doc.lineOf(['spec', 'analysis', 'webhooks', previous, 'name'])})`)
    seen.set(hook.name, index)
    // Flagger: a timeout shorter than two characters is its default, 10s (CallWebhook).
    const timeout = hook.timeout !== undefined && hook.timeout.length >= 2 ? hook.timeout : FLAGGER_DEFAULTS.webhookTimeout
    const timeoutMs = INTERVAL_PATTERN.test(timeout) ? parseDuration(timeout) : undefined
    if (timeoutMs === undefined || timeoutMs <= 0) {
      report('timeout', `"${timeout}" is not a duration Flagger reads, such as 30s or 1m`)
      return
    }
    let url: URL | undefined
    try {
      url = new URL(hook.url)
    } catch {
      url = undefined
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      report('url', `"${hook.url}" is not an http(s) URL`)
      return
    }
    if (hook.retries !== undefined && hook.retries < 0) {
      report('retries', 'must be at least 0')
      return
    }
    out.push({
      name: hook.name,
      type: hook.type === undefined || hook.type === '' ? 'rollout' : hook.type,
      url: hook.url,
      timeout,
      timeoutMs,
      metadata: hook.metadata ?? {},
      retries: hook.retries ?? 0,
      disableTLS: hook.disableTLS ?? false,
      muteAlert: hook.muteAlert ?? false,
      location: doc.at(path)
    })
  })
  return out
}
