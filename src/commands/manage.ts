// commands promote, abort, retry and status — for workflow_dispatch workflows where a person
// decides. Each reports the rollout's state before and after.
import { KubectlError, kubectlFromInputs } from '../kube/kubectl.js'
import { describeState, RolloutClient, type RolloutState } from '../kube/rollout.js'
import { abortAndConfirm, waitUntil } from '../kube/watch.js'
import type { Verdict } from '../analysis/types.js'
import type { AbortRecord, GateResult, Outcome } from '../report/model.js'
import type { CommandContext } from './context.js'
import { manageDeployment } from './manage-deployment.js'

/** How long a command waits for the controller to show its effect. */
const SETTLE_MS = 2 * 60_000

/** status: Healthy is done, Degraded failed, anything else is not finished. */
export function verdictOfState(state: RolloutState): Verdict {
  if (state.phase === 'Healthy') return 'Successful'
  if (state.phase === 'Degraded') return 'Failed'
  return 'Inconclusive'
}

export async function manage(context: CommandContext): Promise<GateResult> {
  const { inputs, clock, log } = context
  if (inputs.targetKind === 'deployment') return manageDeployment(context)
  const startedAt = clock.now()
  const kubectl = kubectlFromInputs(inputs, log, clock)
  const client = new RolloutClient(kubectl, inputs.rollout!, inputs.namespace, log)
  const reasons: string[] = []
  const notes: string[] = []
  let verdict: Verdict = 'Successful'
  let outcome: Outcome = 'none'
  let abort: AbortRecord | undefined
  let before: RolloutState | undefined
  let after: RolloutState | undefined
  const watch = { clock, log, pollMs: Math.min(inputs.pollIntervalMs, 2000), until: clock.now() + Math.min(SETTLE_MS, inputs.timeoutMs), signal: context.signal }
  try {
    if (inputs.command !== 'status') client.announcePath()
    before = await client.get()
    log.info(`before: ${describeState(before)}`)
    switch (inputs.command) {
      case 'status':
        verdict = verdictOfState(before)
        reasons.push(`rollout ${client.name} is ${describeState(before)}`)
        after = before
        break
      case 'promote': {
        const waiting = before.paused || before.pauseConditions.length > 0 || (before.currentPodHash !== before.stableRS && !before.abort)
        if (!waiting) {
          notes.push('nothing to promote: the rollout is not paused and not in the middle of an update')
          after = before
          break
        }
        const from = before
        await client.promote(inputs.full, from)
        outcome = 'promoted'
        reasons.push(inputs.full ? 'promoted to the end: the remaining steps and analyses are skipped' : 'promoted past the current step')
        if (!kubectl.dryRun) {
          const moved = (s: RolloutState): boolean =>
            inputs.full ? s.phase === 'Healthy' && s.currentPodHash === s.stableRS : s.currentStepIndex !== from.currentStepIndex || s.pauseConditions.length < from.pauseConditions.length || s.paused !== from.paused || s.phase !== from.phase
          const { state, met } = await waitUntil(client, moved, watch)
          after = state
          if (!met) notes.push('the controller had not acted on the promotion when canary-gate stopped watching')
        }
        break
      }
      case 'abort': {
        if (before.abort) {
          notes.push('the rollout was already aborted')
          after = before
          break
        }
        const result = await abortAndConfirm(client, before, 'requested with command: abort', { ...watch, confirmMs: SETTLE_MS, dryRun: kubectl.dryRun })
        abort = result.record
        after = result.state
        outcome = 'aborted'
        reasons.push(`aborted: canary traffic ${before.canaryWeight}% → ${result.state.canaryWeight}%`)
        if (!kubectl.dryRun && result.record.confirmedAt === undefined) {
          verdict = 'Error'
          reasons.push('the rollout did not report the abort in time')
        }
        break
      }
      case 'retry': {
        if (!before.abort) {
          notes.push('nothing to retry: the rollout is not aborted')
          after = before
          break
        }
        await client.retry()
        reasons.push('retried: the canary starts again from the first step')
        if (!kubectl.dryRun) {
          const { state, met } = await waitUntil(client, (s) => !s.abort && s.phase !== 'Degraded', watch)
          after = state
          if (!met) {
            verdict = 'Error'
            reasons.push('the rollout still reports the abort')
          }
        }
        break
      }
      default:
        throw new Error(`not a rollout command: ${inputs.command}`)
    }
  } catch (error) {
    if (!(error instanceof KubectlError)) throw error
    verdict = 'Error'
    reasons.unshift(error.notFound && !before ? `rollout ${client.name} was not found in namespace ${client.namespace} (${error.message})` : error.message)
  }
  after ??= before
  if (after && after !== before) log.info(`after: ${describeState(after)}`)
  if (kubectl.dryRun) notes.push('dry run: nothing in the cluster was changed; the commands it would have run are in the log')
  const c = client.commands()
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
      name: client.name,
      namespace: client.namespace,
      stableRevision: after?.stableRS,
      canaryRevision: after?.currentPodHash,
      before: before ? describeState(before) : undefined,
      after: after ? describeState(after) : undefined,
      path: client.usePlugin ? 'plugin' : 'patches'
    },
    abort,
    nextSteps: outcome === 'aborted' ? [c.retry, c.status] : [c.status]
  }
}
