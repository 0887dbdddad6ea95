// command: run — walk an Argo Rollout through the plan's canary steps. The controller runs
// setWeight and timed pauses; at each pause that stands for an analysis step canary-gate measures,
// then promotes, or aborts the moment the analysis fails, and waits until the rollout reports it.
import { runAnalysis } from '../analysis/engine.js'
import type { MetricSpec } from '../analysis/types.js'
import { IssueList } from '../config-error.js'
import { Executor, type Analyst } from '../executor/executor.js'
import { clusterArgs, deferredArgs } from '../kube/args.js'
import { kubectlFromInputs, type Kubectl } from '../kube/kubectl.js'
import { STARTED_STATE, type StartedState } from '../post-state.js'
import { instantiateMetrics, type ValueFromResolver } from '../plan/instantiate.js'
import { PLAN_READER } from '../plan/flagger/documents.js'
import { loadPlanFiles, type SourceDocument } from '../plan/load.js'
import { readRolloutPlan, type AnalysisGate, type RolloutPlan } from '../plan/rollout.js'
import { readTemplates, TEMPLATE_KINDS } from '../plan/templates.js'
import { JobProvider } from '../providers/job.js'
import { MeasurementError, type Provider } from '../providers/provider.js'
import type { GateResult } from '../report/model.js'
import { parseRollout, type RolloutState } from '../kube/rollout.js'
import { ArgoRolloutTarget, type ArgoState } from '../targets/argo-rollout.js'
import type { DeploymentState } from '../targets/deployment.js'
import type { Target, TargetState } from '../targets/target.js'
import { checkArgsInput, checkCredentials, checkFinite, checkGateDrivenSteps, checkTimeBudget } from './checks.js'
import type { CommandContext } from './context.js'
import { deploymentTarget, routingFromInputs, startedDeployment } from './deployment-target.js'
import { loadFlaggerPlan, runFlagger } from './flagger.js'
import { providersFor } from './providers.js'

/** The plan, checked whole before the cluster is touched. */
function loadPlan(context: CommandContext, docs: SourceDocument[], issues: IssueList): RolloutPlan {
  const { inputs } = context
  if (inputs.targetKind === 'deployment') {
    if (!inputs.deployment) issues.add({ where: 'input "deployment"', message: 'is required with target-kind deployment (or a Flagger Canary in the plan): the name of the Deployment whose canary the gate drives' })
    if (inputs.route && !inputs.router) issues.add({ where: 'input "route"', message: 'names a Gateway API HTTPRoute: set router: gateway-api' })
  }
  const templates = readTemplates(docs, issues)
  const plan = readRolloutPlan(docs, inputs.rollout ?? inputs.deployment ?? '', templates, issues)
  // Only when every template read cleanly: otherwise an arg may belong to one with errors.
  if (templates.length === docs.filter((doc) => TEMPLATE_KINDS.has(doc.kind)).length) checkArgsInput(inputs.args, templates, issues)
  if (plan) {
    const gates = plan.steps.flatMap((step) => (step.kind === 'analysis' ? [step.gate] : []))
    for (const gate of gates) {
      const metrics = gateMetrics(context, plan, gate, deferredArgs, issues)
      checkFinite(metrics, 'an analysis step', issues)
      checkTimeBudget(metrics, gate.templates, inputs.timeoutMs, issues)
      checkCredentials(metrics, context, issues)
    }
    if (plan.background) checkCredentials(gateMetrics(context, plan, plan.background, deferredArgs, issues), context, issues)
    if (inputs.targetKind === 'deployment') checkGateDrivenSteps(plan, issues)
  }
  issues.throwIfAny()
  return plan!
}

function gateMetrics(context: CommandContext, plan: RolloutPlan, gate: AnalysisGate, resolveValueFrom: ValueFromResolver, issues: IssueList): MetricSpec[] {
  return instantiateMetrics(
    gate.templates,
    {
      mode: 'run',
      prometheusUrl: context.inputs.prometheusUrl,
      secrets: context.secrets,
      input: context.inputs.args,
      stepArgs: { args: gate.ref.args ?? [], where: (index) => plan.doc.at([...gate.path, 'args', index]) },
      resolveValueFrom,
      dryRun: (gate.ref.dryRun ?? []).map((entry) => entry.metricName),
      dryRunWhere: (index) => plan.doc.at([...gate.path, 'dryRun', index, 'metricName'])
    },
    issues
  )
}

/**
 * The analyses of a run: the metrics with the cluster's values for their args (valueFrom read from
 * the Rollout), measured by the engine on the run's clock, deadline and providers.
 */
function analystFor<S extends TargetState>(context: CommandContext, plan: RolloutPlan, kubectl: Kubectl, targetName: string, rolloutOf: (state: S) => RolloutState): Analyst<S> {
  const { inputs, clock, log, secrets } = context
  const runId = `${process.env.GITHUB_RUN_ID ?? 'local'}-${process.env.GITHUB_RUN_ATTEMPT ?? '1'}`
  const job: Provider = inputs.dryRun
    ? { measure: async () => Promise.reject(new MeasurementError('dry-run: the Job was not created', { permanent: true })) }
    : new JobProvider({ kubectl, namespace: inputs.namespace, rollout: targetName, runId })
  const providerFor = providersFor(context, job)
  return {
    async metrics(gate, state) {
      const issues = new IssueList()
      const resolver = await clusterArgs(gate.templates, gate.ref.args ?? [], { kubectl, namespace: inputs.namespace, state: rolloutOf(state), secrets })
      const metrics = gateMetrics(context, plan, gate, resolver, issues)
      // A dry run creates no Jobs: their metrics are shown, not measured.
      if (kubectl.dryRun) for (const metric of metrics) if (metric.provider.kind === 'job') metric.dryRun = true
      return { metrics, issues }
    },
    run(label, metrics, options) {
      return runAnalysis({ metrics, providerFor, clock, log, label, deadline: options.deadline, passOnStop: options.passOnStop, signal: options.signal, onMeasurement: options.onMeasurement })
    }
  }
}

export async function run(context: CommandContext): Promise<GateResult> {
  const { inputs, clock, log } = context
  const read = await log.group('Loading the plan', async () => {
    const issues = new IssueList()
    const docs = await loadPlanFiles(inputs.plan, context.cwd, issues, PLAN_READER)
    const canary = docs.find((doc) => doc.kind === 'Canary')
    if (!canary) return { plan: loadPlan(context, docs, issues) }
    if (inputs.targetKind !== 'deployment') {
      issues.add({ where: canary.at(['kind']), subject: `canary "${canary.name}"`, message: 'is a Flagger Canary, which releases a Deployment: set target-kind: deployment (an Argo Rollout keeps its own canary steps)' })
      issues.throwIfAny()
    }
    return { flagger: loadFlaggerPlan(docs, context, issues) }
  })
  if (read.flagger) return runFlagger(context, read.flagger)
  const plan = read.plan!
  const kubectl = kubectlFromInputs(inputs, log, clock)
  if (inputs.targetKind === 'deployment') {
    const routing = routingFromInputs(context)
    const target = deploymentTarget(context, kubectl, routing, plan.steps)
    const started = startedDeployment(context, routing)
    return execute(context, plan, target, analystFor<DeploymentState>(context, plan, kubectl, target.name, deploymentAsRollout), () => context.saveState?.(STARTED_STATE, JSON.stringify(started)))
  }
  const target = new ArgoRolloutTarget(kubectl, inputs.rollout!, inputs.namespace, log, plan.liveSteps)
  const started: StartedState = { rollout: target.name, namespace: target.namespace, context: inputs.kubeContext, abortOnCancel: inputs.abortOnCancel }
  return execute(context, plan, target, analystFor<ArgoState>(context, plan, kubectl, target.name, (state) => state.rollout), () => context.saveState?.(STARTED_STATE, JSON.stringify(started)))
}

/** valueFrom args of a Deployment target read the canary Deployment's (or the primary's) fields. */
function deploymentAsRollout(state: DeploymentState): RolloutState {
  return parseRollout(state.canary ?? state.primary)
}

function execute<S extends TargetState>(context: CommandContext, plan: RolloutPlan, target: Target<S>, analyst: Analyst<S>, remember?: () => void): Promise<GateResult> {
  const { inputs, clock, log } = context
  return new Executor({
    plan,
    target,
    analyst,
    clock,
    log,
    policies: { onFailure: inputs.onFailure, onInconclusive: inputs.onInconclusive, abortOnCancel: inputs.abortOnCancel },
    pollIntervalMs: inputs.pollIntervalMs,
    timeoutMs: inputs.timeoutMs,
    image: inputs.image,
    applySteps: inputs.applySteps,
    signal: context.signal,
    hurry: context.hurry,
    progress: context.progress,
    remember
  }).drive()
}

/**
 * The plan read and checked as `run` reads it, without touching the cluster: several targets are
 * all checked before the first one starts (src/commands/regions.ts). Throws the ConfigError run would.
 */
export async function checkRunPlan(context: CommandContext): Promise<void> {
  const issues = new IssueList()
  const docs = await loadPlanFiles(context.inputs.plan, context.cwd, issues, PLAN_READER)
  const canary = docs.find((doc) => doc.kind === 'Canary')
  if (!canary) {
    loadPlan(context, docs, issues)
    return
  }
  if (context.inputs.targetKind !== 'deployment') {
    issues.add({ where: canary.at(['kind']), subject: `canary "${canary.name}"`, message: 'is a Flagger Canary, which releases a Deployment: set target-kind: deployment (an Argo Rollout keeps its own canary steps)' })
    issues.throwIfAny()
  }
  loadFlaggerPlan(docs, context, issues)
}
