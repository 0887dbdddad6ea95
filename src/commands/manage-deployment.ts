// commands promote, abort, retry and status for a Deployment whose traffic canary-gate drives
// (target-kind: deployment) — for the person who decides in a workflow_dispatch run. No controller
// keeps the canary's step between runs, so what the cluster holds is the whole truth: the canary
// Deployment, its replicas and image, and the weight on the router's object.
import type { Verdict } from '../analysis/types.js'
import { ConfigError } from '../config-error.js'
import { kubectlFromInputs } from '../kube/kubectl.js'
import type { AbortRecord, GateResult, Outcome } from '../report/model.js'
import type { DeploymentState } from '../targets/deployment.js'
import type { CommandContext } from './context.js'
import { deploymentTarget, routingFromInputs } from './deployment-target.js'

/** What the objects say of the canary, without a run to remember its steps. */
export type DeploymentStanding = 'stable' | 'in progress' | 'rolled back' | 'promoted'

const imageOf = (d: DeploymentState['canary']): string => JSON.stringify(((d?.spec?.template?.spec?.containers ?? []) as Array<{ image?: string }>).map((c) => c.image))

/**
 * A canary that takes traffic or has pods is in progress; one scaled to 0 at weight 0 was promoted
 * when the primary runs its template, else rolled back; no canary Deployment: stable.
 */
export function standingOf(state: DeploymentState): DeploymentStanding {
  const canary = state.canary
  if (!canary) return state.weight > 0 ? 'in progress' : 'stable'
  if (state.weight > 0 || Number(canary.spec?.replicas ?? 0) > 0) return 'in progress'
  return imageOf(canary) === imageOf(state.primary) ? 'promoted' : 'rolled back'
}

/** status as for a Rollout: done is Successful, rolled back is Failed, in progress is Inconclusive. */
export function verdictOfStanding(standing: DeploymentStanding): Verdict {
  return standing === 'in progress' ? 'Inconclusive' : standing === 'rolled back' ? 'Failed' : 'Successful'
}

export async function manageDeployment(context: CommandContext): Promise<GateResult> {
  const { inputs, clock, log } = context
  if (inputs.command === 'retry') {
    throw new ConfigError([{ where: 'input "command"', message: "retry restarts an Argo Rollout's steps; a Deployment's canary starts again when command run is given the image again" }])
  }
  if (inputs.command === 'promote' && !inputs.full) {
    throw new ConfigError([{ where: 'input "full"', message: "must be true to promote a Deployment's canary: no controller holds its steps between runs, so promote copies the canary to the primary at once (full: true)" }])
  }
  const startedAt = clock.now()
  const kubectl = kubectlFromInputs(inputs, log, clock)
  const target = deploymentTarget(context, kubectl, routingFromInputs(context), [], {
    pollMs: Math.min(inputs.pollIntervalMs, 2000),
    promotionTimeoutMs: Math.min(inputs.timeoutMs, 10 * 60_000)
  })
  const reasons: string[] = []
  const notes: string[] = []
  let verdict: Verdict = 'Successful'
  let outcome: Outcome = 'none'
  let abort: AbortRecord | undefined
  let before: DeploymentState | undefined
  let after: DeploymentState | undefined
  try {
    before = await target.read()
    const standing = standingOf(before)
    log.info(`before: ${before.description} — ${standing}`)
    switch (inputs.command) {
      case 'status':
        verdict = verdictOfStanding(standing)
        reasons.push(`deployment ${target.name}: the canary is ${standing} (${before.description})`)
        after = before
        break
      case 'abort': {
        if (standing !== 'in progress') {
          notes.push(`nothing to roll back: the canary is ${standing}`)
          after = before
          break
        }
        const result = await log.group(`Rolling back deployment ${target.name}`, () =>
          target.abort('requested with command: abort', before!, { clock, pollMs: 1000, confirmMs: 60_000, signal: context.signal })
        )
        abort = result.record
        after = result.state
        outcome = 'aborted'
        reasons.push(`rolled back: canary traffic ${before.weight}% → ${after.weight}% on ${target.router.object}, ${target.canaryName} scaled to 0`)
        if (!kubectl.dryRun && after.weight !== 0) {
          verdict = 'Error'
          reasons.push(`${target.router.object} still sends ${after.weight}% to the canary`)
        }
        break
      }
      case 'promote': {
        if (standing !== 'in progress') {
          notes.push(`nothing to promote: the canary is ${standing}`)
          after = before
          break
        }
        await log.group(`Promoting deployment ${target.name}`, () => target.promote(true, before!))
        after = await target.read()
        outcome = 'promoted'
        reasons.push(`promoted: ${target.primaryName} runs the canary's template, ${target.router.object} weight ${after.weight}%, ${target.canaryName} scaled to 0`)
        break
      }
      default:
        throw new Error(`not a rollout command: ${inputs.command}`)
    }
  } catch (error) {
    const lost = target.failure(error)
    if (!lost) throw error
    verdict = 'Error'
    reasons.unshift(lost.message)
  }
  after ??= before
  if (after && after !== before) log.info(`after: ${after.description}`)
  if (kubectl.dryRun) notes.push('dry run: nothing in the cluster was changed; the commands it would have run are in the log')
  const c = target.commands()
  return {
    command: inputs.command,
    verdict,
    outcome,
    reasons,
    startedAt,
    finishedAt: clock.now(),
    analyses: [],
    configErrors: [],
    notes,
    rollout: {
      name: target.name,
      namespace: target.namespace,
      stableRevision: after?.stableRevision,
      canaryRevision: after?.canaryRevision,
      before: before?.description,
      after: after?.description,
      path: target.path,
      kind: 'deployment',
      router: { kind: target.router.kind, object: target.router.object }
    },
    abort,
    nextSteps: [c.status]
  }
}
