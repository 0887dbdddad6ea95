// command run with a Flagger `Canary` in the plan: the Canary is read unchanged and canary-gate is its
// controller for the length of the run — Flagger's scheduler loop (executor/flagger-loop.ts) over the
// Deployment target, the router the Canary names, its metrics measured by the analysis engine and its
// webhooks called from the runner.
import { IssueList } from '../config-error.js'
import { engineMetricChecker, runFlaggerCanary } from '../executor/flagger-loop.js'
import { kubectlFromInputs } from '../kube/kubectl.js'
import { STARTED_STATE } from '../post-state.js'
import { readFlaggerPlans, type FlaggerPlan } from '../plan/flagger/read.js'
import type { SourceDocument } from '../plan/load.js'
import type { RawMatch } from '../plan/flagger/schema.js'
import { HttpClient } from '../providers/http-client.js'
import type { GateResult } from '../report/model.js'
import { describeMatch, type HeaderMatch } from '../targets/routers/router.js'
import { FlaggerWebhookCaller } from '../webhooks/flagger.js'
import { checkCredentials } from './checks.js'
import type { CommandContext } from './context.js'
import { providersFor } from './providers.js'
import { deploymentTarget, startedDeployment, type Routing } from './deployment-target.js'

/** The canary's pods run in `<target>-canary` (the primary keeps `<target>-primary`, or `<target>`). */
export const canaryDeploymentOf = (target: string): string => `${target}-canary`

/** The router the Canary names, in the inputs' words. */
const routerOf = (plan: FlaggerPlan): 'nginx' | 'gateway-api' => (plan.service.provider === 'nginx' ? 'nginx' : 'gateway-api')

/** A regex that matches what a prefix or suffix match does (RE2 and nginx's PCRE agree on this much). */
const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * analysis.match as the routers take it: Flagger's nginx and Gateway API routers read the headers of
 * each match (exact or regex; a cookie by name); prefix and suffix become the regex they mean.
 */
export function headerMatches(plan: FlaggerPlan, issues: IssueList): HeaderMatch[] {
  const out: HeaderMatch[] = []
  plan.analysis.match.forEach((match: RawMatch, index) => {
    const where = plan.doc.at(['spec', 'analysis', 'match', index])
    const headers = Object.entries(match.headers ?? {})
    const others = Object.keys(match).filter((key) => key !== 'headers' && (match as Record<string, unknown>)[key] !== undefined)
    if (others.length > 0) issues.add({ where, subject: `canary "${plan.name}"`, field: `spec.analysis.match[${index}]`, message: `${others.join(', ')} ${others.length > 1 ? 'are' : 'is'} not routed by ${plan.service.provider} in Flagger: match on headers (or the cookie header)` })
    if (headers.length === 0 && others.length === 0) issues.add({ where, subject: `canary "${plan.name}"`, field: `spec.analysis.match[${index}]`, message: 'matches no header: every request would go to the canary' })
    for (const [header, condition] of headers) {
      if (condition.exact !== undefined) out.push({ header, exact: condition.exact })
      else if (condition.regex !== undefined) out.push({ header, regex: condition.regex })
      else if (condition.prefix !== undefined) out.push({ header, regex: `^${escapeRegex(condition.prefix)}.*` })
      else if (condition.suffix !== undefined) out.push({ header, regex: `.*${escapeRegex(condition.suffix)}$` })
    }
  })
  return out
}

/** The Canary the run drives: the one for the `deployment` input, or the plan's only one. */
function chooseCanary(plans: FlaggerPlan[], docs: SourceDocument[], context: CommandContext, issues: IssueList): FlaggerPlan | undefined {
  const { inputs } = context
  const wanted = inputs.deployment
  const canaries = docs.filter((doc) => doc.kind === 'Canary')
  if (plans.length < canaries.length) return undefined // read with problems, already reported
  const matching = wanted ? plans.filter((plan) => plan.target.name === wanted) : plans
  if (matching.length === 1) return matching[0]
  if (matching.length === 0) {
    issues.add({ where: 'input "deployment"', message: `names ${wanted}, and no Canary in the plan targets it (the plan's Canaries target: ${plans.map((p) => p.target.name).join(', ')})` })
  } else {
    issues.add({ where: wanted ? 'input "deployment"' : 'input "plan"', message: `${matching.length} Canaries in the plan target ${wanted ?? 'a Deployment'} (${matching.map((p) => `${p.name} at ${p.doc.at(['metadata', 'name'])}`).join(', ')}): ${wanted ? 'keep one' : 'set the input "deployment" to the one to release'}` })
  }
  return undefined
}

/** The inputs may repeat what the Canary says, never contradict it. */
function checkAgreement(plan: FlaggerPlan, context: CommandContext, issues: IssueList): void {
  const { inputs } = context
  const subject = `canary "${plan.name}"`
  if (plan.namespace !== inputs.namespace) {
    issues.add({ where: plan.doc.at(['metadata', 'namespace']), subject, field: 'metadata.namespace', message: `is ${plan.namespace}, and the input "namespace" is ${inputs.namespace}: set namespace: ${plan.namespace}` })
  }
  const router = routerOf(plan)
  if (inputs.router && inputs.router !== router) issues.add({ where: 'input "router"', message: `is ${inputs.router}, and canary "${plan.name}" routes through ${plan.service.provider} (${plan.doc.at(['spec', 'provider'])}): leave the input out` })
  const ingress = plan.service.ingressRef?.name
  if (inputs.ingress && inputs.ingress !== ingress) issues.add({ where: 'input "ingress"', message: `is ${inputs.ingress}, and canary "${plan.name}" names ${ingress ? `ingress ${ingress}` : 'no ingress'}: leave the input out` })
  if (inputs.route && inputs.route !== plan.service.name) issues.add({ where: 'input "route"', message: `is ${inputs.route}, and the HTTPRoute of canary "${plan.name}" is ${plan.service.name} (Flagger names it after the service): leave the input out` })
  if (inputs.applySteps === false) context.log.info('apply-steps does not apply to a Flagger Canary: its analysis is read from the plan')
}

/** Every Prometheus metric needs an address: its MetricTemplate's, the Canary's metricsServer, or the prometheus-url input. */
function checkAddresses(plan: FlaggerPlan, context: CommandContext, issues: IssueList): void {
  for (const metric of plan.metrics) {
    if (metric.spec.provider.kind === 'prometheus' && !metric.spec.provider.config.address && !context.inputs.prometheusUrl) {
      const builtin = metric.source === 'builtin'
      issues.add({
        where: metric.spec.location,
        subject: `metric "${metric.name}"`,
        message: builtin
          ? `is Flagger's builtin and the Canary has no spec.metricsServer: set the input "prometheus-url" to the Prometheus that scrapes ${plan.service.provider === 'nginx' ? 'the ingress controller' : 'the pods'}`
          : 'has no Prometheus address: set spec.provider.address in its MetricTemplate, or the input "prometheus-url"'
      })
    }
    if (metric.secretRef) {
      context.log.warning(`metric "${metric.name}": its MetricTemplate's secretRef ${metric.secretRef.namespace}/${metric.secretRef.name} is not read; the credentials come from the inputs (prometheus-headers, newrelic-api-key)`)
    }
  }
}

/** The plan's Flagger Canary read and checked whole before the cluster is touched. */
export interface FlaggerRelease {
  plan: FlaggerPlan
  /** A/B: the requests the canary gets. */
  match?: HeaderMatch[]
}

export function loadFlaggerPlan(docs: SourceDocument[], context: CommandContext, issues: IssueList): FlaggerRelease {
  const plans = readFlaggerPlans(docs, issues, { namespace: context.inputs.namespace, canaryWorkload: canaryDeploymentOf })
  const plan = chooseCanary(plans, docs, context, issues)
  let match: HeaderMatch[] | undefined
  if (plan) {
    checkAgreement(plan, context, issues)
    checkAddresses(plan, context, issues)
    checkCredentials(plan.metrics.map((m) => m.spec), context, issues)
    if (plan.analysis.strategy === 'ab-testing') match = headerMatches(plan, issues)
  }
  issues.throwIfAny()
  const a = plan!.analysis
  const how = a.strategy === 'canary' ? `weights ${a.stepWeights.length ? a.stepWeights.join(', ') : `${a.stepWeight} to ${a.maxWeight} by ${a.stepWeight}`}` : `${a.iterations} iterations${match ? ` on the requests matching ${describeMatch(match)}` : ''}`
  context.log.info(`canary ${plan!.name}.${plan!.namespace}: ${a.strategy}, ${how}, every ${a.intervalMs / 1000}s, rollback after ${a.threshold} failed checks; metrics ${plan!.metrics.map((m) => m.name).join(', ') || 'none'}; webhooks ${plan!.webhooks.map((w) => `${w.name} (${w.type})`).join(', ') || 'none'}`)
  return { plan: plan!, match }
}

export async function runFlagger(context: CommandContext, { plan, match }: FlaggerRelease): Promise<GateResult> {
  const { inputs, clock, log, secrets } = context
  const kubectl = kubectlFromInputs(inputs, log, clock)
  const routing: Routing = { name: plan.target.name, router: routerOf(plan), ingress: plan.service.ingressRef?.name, route: plan.service.name, service: plan.service.name, match }
  const target = deploymentTarget(context, kubectl, routing, [])
  const started = startedDeployment(context, routing)
  // Flagger's metrics are queries: no Job provider.
  const providerFor = providersFor(context)
  return runFlaggerCanary({
    plan,
    target,
    clock,
    log,
    webhooks: new FlaggerWebhookCaller(new HttpClient(clock, secrets), clock, log),
    metrics: engineMetricChecker({ providerFor, clock, log }),
    image: inputs.image,
    timeoutMs: inputs.timeoutMs,
    pollIntervalMs: inputs.pollIntervalMs,
    abortOnCancel: inputs.abortOnCancel,
    signal: context.signal,
    hurry: context.hurry,
    progress: context.progress,
    remember: () => context.saveState?.(STARTED_STATE, JSON.stringify(started))
  })
}
