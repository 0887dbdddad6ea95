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
import { loadPlanFiles } from '../plan/load.js'
import { readRolloutPlan, type AnalysisGate, type RolloutPlan } from '../plan/rollout.js'
import { readTemplates, TEMPLATE_KINDS } from '../plan/templates.js'
import { createProviders } from '../providers/index.js'
import { JobProvider } from '../providers/job.js'
import { MeasurementError, type Provider } from '../providers/provider.js'
import type { GateResult } from '../report/model.js'
import { parseRollout, type RolloutState } from '../kube/rollout.js'
import { ArgoRolloutTarget, type ArgoState } from '../targets/argo-rollout.js'
import { DeploymentTarget, type DeploymentState } from '../targets/deployment.js'
import type { Target, TargetState } from '../targets/target.js'
import { checkArgsInput, checkCredentials, checkFinite, checkTimeBudget } from './checks.js'
import type { CommandContext } from './context.js'

/** The plan, checked whole before the cluster is touched. */
async function loadPlan(context: CommandContext): Promise<RolloutPlan> {
  const { inputs } = context
  const issues = new IssueList()
  const docs = await loadPlanFiles(inputs.plan, context.cwd, issues)
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

/**
 * A Deployment's steps are run by canary-gate itself: setWeight, timed pauses and analyses. A step
 * only Argo's controller runs, or a pause that waits for a human to promote, would hold the run until
 * its timeout.
 */
function checkGateDrivenSteps(plan: RolloutPlan, issues: IssueList): void {
  plan.steps.forEach((step, index) => {
    const where = plan.doc.at(['spec', 'strategy', 'canary', 'steps', index])
    if (step.kind === 'other') issues.add({ where, subject: `step ${index + 1}`, message: `${step.name} is run by the Argo controller; with target-kind deployment canary-gate runs setWeight, timed pause and analysis steps` })
    else if (step.kind === 'pause' && step.durationMs === undefined) {
      issues.add({ where, subject: `step ${index + 1}`, message: 'an indefinite pause waits for a human to promote, which a Deployment target cannot do yet: give it a duration, or make it an analysis step' })
    }
  })
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
  const providerFor = createProviders({
    clock,
    secrets,
    prometheusUrl: inputs.prometheusUrl,
    prometheusHeaders: inputs.prometheusHeaders,
    newRelic: { apiKey: inputs.newRelic.apiKey, accountId: inputs.newRelic.accountId, graphqlUrl: inputs.newRelic.graphqlUrl },
    job
  })
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
  const plan = await context.log.group('Loading the plan', () => loadPlan(context))
  const { inputs, clock, log } = context
  const kubectl = kubectlFromInputs(inputs, log, clock)
  if (inputs.targetKind === 'deployment') {
    const target = new DeploymentTarget({
      kubectl,
      name: inputs.deployment!,
      namespace: inputs.namespace,
      log,
      clock,
      steps: plan.steps,
      router: inputs.router,
      ingress: inputs.ingress,
      route: inputs.route,
      readyThreshold: inputs.canaryReadyThreshold,
      pollMs: inputs.pollIntervalMs
    })
    const started: StartedState = {
      rollout: target.name,
      namespace: target.namespace,
      context: inputs.kubeContext,
      abortOnCancel: inputs.abortOnCancel,
      deployment: { router: inputs.router, ingress: inputs.ingress, route: inputs.route }
    }
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
