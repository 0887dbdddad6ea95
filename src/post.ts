// The post step (action.yml `runs.post`, `post-if: always()`): the safety net behind the main step's
// own cancel path. When the runner killed the main step before it could settle a canary it had
// started (or the main step's abort did not go through), this step aborts the rollout — if
// abort-on-cancel — and says so in the log and the job summary. Otherwise it does nothing.
import { systemClock } from './clock.js'
import { Kubectl } from './kube/kubectl.js'
import { RolloutClient } from './kube/rollout.js'
import { abortAndConfirm } from './kube/watch.js'
import { prefixedLogger, runnerLogger, type Logger } from './log.js'
import { FINISHED_STATE, finishedFor, parseState, postAction, STARTED_STATE, startedStates, type FinishedState, type StartedState } from './post-state.js'
import { escapeHtml } from './report/markdown.js'
import { coreRunner, type Runner } from './runner.js'
import { Secrets } from './secrets.js'
import { DeploymentTarget } from './targets/deployment.js'

/** The post step has its own few seconds before the runner moves on: every call is short. */
const REQUEST_TIMEOUT_S = 5
const CONFIRM_MS = 20_000

export async function post(runner: Runner = coreRunner()): Promise<void> {
  const log = runnerLogger(runner, new Secrets((value) => runner.setSecret(value)))
  const finished = parseState<FinishedState>(runner.getState(FINISHED_STATE))
  const started = startedStates(runner.getState(STARTED_STATE))
  if (started.length === 0) log.debug('post step: the main step started no canary: nothing to do')
  // With targets, one entry per region or cluster the main step started: each is settled on its own.
  for (const entry of started) await settle(runner, entry.target === undefined ? log : prefixedLogger(log, entry.target), entry, finishedFor(finished, entry))
}

async function settle(runner: Runner, log: Logger, started: StartedState, finished: FinishedState | undefined): Promise<void> {
  const action = postAction(started, finished)
  if (action === 'nothing') {
    log.debug('post step: the main step settled the canary: nothing to do')
    return
  }
  const what = finished ? 'was cancelled and its abort did not go through' : 'was stopped before it could finish'
  const target = `${started.deployment ? 'deployment' : 'rollout'} ${started.rollout} in ${started.namespace}${started.target === undefined ? '' : ` (target ${started.target}${started.context ? `, context ${started.context}` : ''})`}`
  if (action === 'report-left') {
    const check = started.deployment ? `kubectl get deployment ${started.rollout}-canary -n ${started.namespace}` : `kubectl argo rollouts get rollout ${started.rollout} -n ${started.namespace}`
    const text = `canary-gate's main step ${what}; abort-on-cancel is false, so ${target} was left as it was: check it with ${check}`
    log.warning(text)
    await runner.appendSummary(`### canary-gate post step\n\n${escapeHtml(text)}\n`).catch(() => false)
    return
  }
  const kubectl = new Kubectl({ log, clock: systemClock, context: started.context, requestTimeoutSeconds: REQUEST_TIMEOUT_S, attempts: 2 })
  if (started.deployment) return rollBackDeployment(runner, log, kubectl, started, what)
  let text: string
  try {
    const client = new RolloutClient(kubectl, started.rollout, started.namespace, log)
    const before = await client.get()
    if (before.abort) {
      text = `canary-gate's main step ${what}; ${target} is already aborted (${before.message || before.phase}).`
    } else {
      const { record, state } = await log.group(`Aborting ${target}`, () =>
        abortAndConfirm(client, before, `the main step ${what} (abort-on-cancel)`, { clock: systemClock, log, pollMs: 1000, confirmMs: CONFIRM_MS })
      )
      const shown = record.confirmedAt === undefined ? `the abort was sent; the rollout has not shown it yet (${state.phase})` : `canary traffic ${record.weightBefore}% → ${state.canaryWeight}%`
      text = `canary-gate's main step ${what}, so the post step aborted ${target}: ${shown}.`
    }
    log.warning(text)
  } catch (error) {
    text = `canary-gate's main step ${what}, and the post step could not abort ${target}: ${(error as Error).message}. Abort it by hand: kubectl argo rollouts abort ${started.rollout} -n ${started.namespace}`
    log.error(text)
    process.exitCode = 1
  }
  await runner.appendSummary(`### canary-gate post step\n\n${escapeHtml(text)}\n`).catch(() => false)
}

/** A Deployment's canary: its router back at weight 0 (read back) and the canary scaled to 0. */
async function rollBackDeployment(runner: Runner, log: Logger, kubectl: Kubectl, started: StartedState, what: string): Promise<void> {
  const target = new DeploymentTarget({
    kubectl,
    name: started.rollout,
    namespace: started.namespace,
    log,
    clock: systemClock,
    steps: [],
    router: started.deployment!.router,
    ingress: started.deployment!.ingress,
    route: started.deployment!.route,
    service: started.deployment!.service,
    pollMs: 1000
  })
  let text: string
  try {
    const before = await target.router.readWeight()
    await log.group(`Rolling back deployment ${started.rollout}`, () => target.abortBlind(`the main step ${what} (abort-on-cancel)`))
    const after = await target.router.readWeight()
    text = `canary-gate's main step ${what}, so the post step rolled back deployment ${started.rollout} in ${started.namespace}: canary traffic ${before}% → ${after}% on ${target.router.object}, ${target.canaryName} scaled to 0.`
    log.warning(text)
  } catch (error) {
    text = `canary-gate's main step ${what}, and the post step could not roll back deployment ${started.rollout} in ${started.namespace}: ${(error as Error).message}. Roll it back by hand: ${target.commands().abort}`
    log.error(text)
    process.exitCode = 1
  }
  await runner.appendSummary(`### canary-gate post step\n\n${escapeHtml(text)}\n`).catch(() => false)
}
