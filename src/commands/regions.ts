// command run with `targets`: several regions or clusters in one gate. Each target runs the normal
// `run` with its own inputs, log prefix and AbortController (chained to the job's cancel), in waves:
// the first target alone and the rest together once it passed, or all at once (`parallel`). The
// verdict is the worst target's; a target that ends Failed or Error cancels every other target this
// run started, whose executors then roll their canaries back (abort-on-cancel), and stops the waves.
import { verdictOf, worstPhase } from '../analysis/run.js'
import type { Verdict } from '../analysis/types.js'
import { ConfigError, formatIssue, type ConfigIssue } from '../config-error.js'
import { prefixedLogger } from '../log.js'
import { STARTED_STATE, type StartedState } from '../post-state.js'
import type { TargetSpec } from '../regions/targets.js'
import type { GateResult, Outcome, TargetRecord } from '../report/model.js'
import type { CommandContext } from './context.js'
import { checkRunPlan, run } from './run.js'

/** What runs one target: the normal `run`, and its plan check (tests give fakes). */
export interface TargetRunner {
  run(context: CommandContext): Promise<GateResult>
  check(context: CommandContext): Promise<void>
}

/** A started-state entry of one target: the post step aborts each that the main step left running. */
export type TargetStartedState = StartedState & { target: string }

interface Slot {
  spec: TargetSpec
  wave: number
  controller: AbortController
  started: boolean
  snapshot?: GateResult
  result?: GateResult
  /** The sibling whose failure cancelled this target, and its verdict. */
  stoppedBy?: { name: string; verdict: Verdict }
}

/** Worse last: the aggregate outcome is the furthest one along this list. */
const OUTCOME_ORDER: Outcome[] = ['promoted', 'none', 'paused', 'aborted']
const WAVE_NAMES = ['first', 'second']

function failedWord(verdict: Verdict): string {
  return verdict === 'Failed' ? 'failed' : `ended in ${verdict}`
}

/** `aborted because us-east failed`: said instead of "the workflow was cancelled" for a cancelled sibling. */
export function siblingReason(stoppedBy: { name: string; verdict: Verdict }): string {
  return `aborted because ${stoppedBy.name} ${failedWord(stoppedBy.verdict)}`
}

/** The executor words a cancellation as the workflow's; a sibling's failure is what cancelled this one. */
function relabel(result: GateResult, why: string): GateResult {
  const swap = (text: string): string => text.replace(/the workflow was cancelled/g, why)
  return {
    ...result,
    reasons: result.reasons.map(swap),
    notes: result.notes.map(swap),
    abort: result.abort && { ...result.abort, reason: swap(result.abort.reason) },
    steps: result.steps?.map((step) => (step.note ? { ...step, note: swap(step.note) } : step))
  }
}

function notStarted(why: string, now: number): GateResult {
  return { command: 'run', verdict: 'Inconclusive', outcome: 'none', reasons: [why], startedAt: now, finishedAt: now, analyses: [], configErrors: [], notes: [] }
}

function crashed(error: unknown, now: number): GateResult {
  const configErrors = error instanceof ConfigError ? error.issues.map(formatIssue) : []
  const message = error instanceof Error ? error.message : String(error)
  return { command: 'run', verdict: 'Error', outcome: 'none', reasons: [configErrors.length ? 'the configuration has errors' : `canary-gate failed: ${message}`], startedAt: now, finishedAt: now, analyses: [], configErrors, notes: [] }
}

/** `kubectl … --context eu-west-1`: a command for one cluster must never run against the current one. */
function inContext(line: string, context: string | undefined): string {
  return context && line.startsWith('kubectl ') ? `${line} --context ${context}` : line
}

export async function regions(context: CommandContext, runner: TargetRunner = { run, check: checkRunPlan }): Promise<GateResult> {
  const { inputs, clock, log } = context
  const specs = inputs.targets ?? []
  const startedAt = clock.now()
  const parallel = inputs.waves === 'parallel' || specs.length === 1
  const slots: Slot[] = specs.map((spec, index) => ({ spec, wave: parallel || index === 0 ? 0 : 1, controller: new AbortController(), started: false }))
  const startedStates = new Map<string, TargetStartedState>()
  let failure: Slot | undefined

  const targetContext = (slot: Slot): CommandContext => ({
    ...context,
    inputs: slot.spec.inputs,
    log: prefixedLogger(log, slot.spec.name),
    signal: slot.controller.signal,
    progress: (snapshot) => {
      slot.snapshot = snapshot
      context.progress?.(aggregate(false))
    },
    saveState: (name, value) => {
      if (name !== STARTED_STATE) return context.saveState?.(name, value)
      // One entry per target, so the post step can abort every one the main step left running.
      startedStates.set(slot.spec.name, { ...(JSON.parse(value) as StartedState), target: slot.spec.name })
      context.saveState?.(STARTED_STATE, JSON.stringify([...startedStates.values()]))
    }
  })

  const record = (slot: Slot, finished: boolean): TargetRecord => {
    const { inputs: own } = slot.spec
    let result = slot.result ?? slot.snapshot
    if (result && slot.stoppedBy) result = relabel(result, siblingReason(slot.stoppedBy))
    if (!result) {
      const why = !finished
        ? slot.started
          ? 'starting'
          : 'waiting for its wave'
        : failure
          ? `not started: ${failure.spec.name} ${failedWord(failure.result!.verdict)} in an earlier wave`
          : context.signal.aborted
            ? 'not started: the workflow was cancelled'
            : 'not started: the first wave did not pass'
      result = notStarted(why, clock.now())
    }
    return { name: slot.spec.name, context: own.kubeContext, namespace: own.namespace, started: slot.started, result }
  }

  const aggregate = (finished: boolean): GateResult => {
    const targets = slots.map((slot) => record(slot, finished))
    const results = targets.map((t) => t.result)
    const verdict = verdictOf(worstPhase(results.map((r) => r.verdict)))
    const outcome = results.reduce<Outcome>((worst, r) => (OUTCOME_ORDER.indexOf(r.outcome) > OUTCOME_ORDER.indexOf(worst) ? r.outcome : worst), results[0]?.outcome ?? 'none')
    const reasons: string[] = []
    const bad = targets.filter((t) => t.result.verdict !== 'Successful').sort((a, b) => (a.result.verdict === b.result.verdict ? 0 : worstPhase([a.result.verdict, b.result.verdict]) === a.result.verdict ? -1 : 1))
    for (const t of bad) reasons.push(`${t.name}: ${t.result.verdict}, ${t.result.outcome === 'none' ? 'nothing done' : t.result.outcome} — ${t.result.reasons[0] ?? 'no reason given'}`)
    if (verdict !== 'Successful') {
      for (const t of targets.filter((t) => t.result.outcome === 'promoted')) {
        const slot = slots.find((s) => s.spec.name === t.name)!
        const when = !parallel && slot.wave === 0 ? 'in the first wave' : 'before the failure'
        reasons.push(`${t.name} was promoted ${when}, and a promoted target cannot be un-promoted: roll it back there by deploying the previous image`)
      }
    } else if (finished) reasons.push(`all ${targets.length} targets passed: ${targets.map((t) => t.name).join(', ')}`)
    const notes = [
      parallel ? `waves: parallel — ${targets.map((t) => t.name).join(', ')} at once` : `waves: first-then-rest — ${targets[0]?.name} first, then ${targets.slice(1).map((t) => t.name).join(', ')} once it passed`
    ]
    const nextSteps = targets.flatMap((t) => (t.result.nextSteps ?? []).map((line) => inContext(line, t.context)))
    const finishedAt = Math.max(startedAt, ...results.map((r) => r.finishedAt))
    return { command: 'run', verdict, outcome, reasons, startedAt, finishedAt: finished ? Math.max(finishedAt, clock.now()) : finishedAt, analyses: [], configErrors: [], notes, nextSteps, targets }
  }

  await checkAll(slots, targetContext, runner)

  // Each target's own controller follows the job's cancel; a sibling's failure aborts it alone.
  const onCancel = (): void => {
    for (const slot of slots) if (!slot.controller.signal.aborted) slot.controller.abort(context.signal.reason)
  }
  if (context.signal.aborted) onCancel()
  else context.signal.addEventListener('abort', onCancel, { once: true })

  const start = async (slot: Slot, waveName: string): Promise<void> => {
    slot.started = true
    const { inputs: own } = slot.spec
    log.info(`[${slot.spec.name}] starting (${waveName}): ${own.targetKind === 'deployment' ? 'deployment' : 'rollout'} ${own.rollout ?? own.deployment ?? '(from the plan)'} in ${own.namespace}${own.kubeContext ? `, context ${own.kubeContext}` : ''}`)
    let result: GateResult
    try {
      result = await runner.run(targetContext(slot))
    } catch (error) {
      log.error(`[${slot.spec.name}] ${error instanceof Error ? error.message : String(error)}`)
      result = crashed(error, clock.now())
    }
    slot.result = result
    log.info(`[${slot.spec.name}] ${result.verdict}, ${result.outcome}`)
    if ((result.verdict === 'Failed' || result.verdict === 'Error') && !failure && !slot.stoppedBy && !context.signal.aborted) {
      failure = slot
      const stoppedBy = { name: slot.spec.name, verdict: result.verdict }
      for (const other of slots) {
        if (other === slot || !other.started || other.result || other.controller.signal.aborted) continue
        other.stoppedBy = stoppedBy
        log.warning(`[${other.spec.name}] ${siblingReason(stoppedBy)}: stopping it (abort-on-cancel applies)`)
        other.controller.abort(new Error(siblingReason(stoppedBy)))
      }
    }
  }

  try {
    for (const wave of [0, 1]) {
      const members = slots.filter((slot) => slot.wave === wave)
      if (members.length === 0) continue
      if (context.signal.aborted || failure) break
      // The rest start only once every earlier target passed (an Inconclusive one holds them too).
      if (slots.some((slot) => slot.wave < wave && slot.result?.verdict !== 'Successful')) break
      const waveName = parallel ? 'all targets at once' : `${WAVE_NAMES[wave]} wave`
      await Promise.all(members.map((slot) => start(slot, waveName)))
    }
  } finally {
    context.signal.removeEventListener('abort', onCancel)
  }
  return aggregate(true)
}

/**
 * Every target's plan checked before the first one starts: a mistake in the second region's
 * inputs must not surface after the first region was promoted. A problem every target shares is
 * said once; one that some targets have names them.
 */
async function checkAll(slots: Slot[], contextOf: (slot: Slot) => CommandContext, runner: TargetRunner): Promise<void> {
  const found = new Map<string, { issue: ConfigIssue; targets: string[] }>()
  for (const slot of slots) {
    try {
      await runner.check(contextOf(slot))
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      for (const issue of error.issues) {
        const key = formatIssue(issue)
        const entry = found.get(key) ?? { issue, targets: [] }
        entry.targets.push(slot.spec.name)
        found.set(key, entry)
      }
    }
  }
  if (found.size === 0) return
  const issues = [...found.values()].map(({ issue, targets }) =>
    targets.length === slots.length ? issue : { ...issue, subject: [`target${targets.length > 1 ? 's' : ''} ${targets.join(', ')}`, issue.subject].filter(Boolean).join(': ') }
  )
  throw new ConfigError(issues)
}
