// Reads the inputs, runs the command, and hands the result to every place it must go: outputs, the
// JSON report, the job summary, the check and the PR comment, and the exit code. Nothing else.
// What a command does not need at its start (the rollout driver, the renderer, Octokit) is loaded
// when it is needed, so the first measurement is not kept waiting.
import { setMaxListeners } from 'node:events'
import os from 'node:os'
import path from 'node:path'
import { clockFromEnv, TIME_SCALE_ENV } from './clock.js'
import { analyze } from './commands/analyze.js'
import type { CommandContext } from './commands/context.js'
import { ConfigError, formatIssue } from './config-error.js'
import type { Publisher } from './github/publisher.js'
import { readRunContext, type RunContext } from './github/context.js'
import type { Annotation } from './runner.js'
import { readInputs, type Inputs } from './inputs.js'
import { runnerLogger, type Logger } from './log.js'
import { failedMetrics, writeReport } from './report/json.js'
import type { GateResult } from './report/model.js'
import { coreRunner, type Runner } from './runner.js'
import { preloadHttpClient } from './providers/http-client.js'
import { FINISHED_STATE } from './post-state.js'
import { escapeHtml } from './report/markdown.js'
import { Secrets, shorten, useForDisplay } from './secrets.js'
import { toJsonValue } from './analysis/values.js'
import { notifier } from './notify/notify.js'
import { metricsReporting, type MetricsPusher } from './metrics/pushgateway.js'

export function reportPath(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.RUNNER_TEMP || os.tmpdir()
  const step = (env.GITHUB_ACTION || 'local').replace(/[^A-Za-z0-9_.-]/g, '_')
  return path.join(dir, 'canary-gate', `report-${step}.json`)
}

function failedBeforeStart(command: Inputs['command'] | 'unknown', issues: string[], reasons: string[], now: number): GateResult {
  return {
    command: command === 'unknown' ? 'run' : command,
    verdict: 'Error',
    outcome: 'none',
    reasons,
    startedAt: now,
    finishedAt: now,
    analyses: [],
    configErrors: issues,
    notes: []
  }
}

async function dispatch(context: CommandContext): Promise<GateResult> {
  switch (context.inputs.command) {
    case 'analyze':
      return analyze(context)
    case 'run':
      // Several regions or clusters: each runs the same `run`, in waves (src/commands/regions.ts).
      if (context.inputs.targets) return (await import('./commands/regions.js')).regions(context)
      return (await import('./commands/cluster.js')).run(context)
    case 'lint':
      return (await import('./commands/lint.js')).lint(context)
    default:
      return (await import('./commands/cluster.js')).manage(context)
  }
}

/** The check and the comment, created the first time there is something to show. */
function githubReporting(inputs: Inputs, context: () => Promise<RunContext>, secrets: Secrets, log: Logger): { progress: (snapshot: GateResult) => void; finish: (result: GateResult) => Promise<void> } {
  let publisher: Promise<Publisher> | undefined
  const get = (): Promise<Publisher> => {
    publisher ??= Promise.all([import('./github/publisher.js'), context()]).then(
      ([{ Publisher }, runContext]) =>
        new Publisher(
          {
            token: inputs.githubToken!,
            comment: inputs.comment,
            checkName: inputs.checkName,
            command: inputs.command,
            rollout: (inputs.rollout ?? inputs.deployment) && inputs.command !== 'analyze' ? { name: (inputs.rollout ?? inputs.deployment)!, namespace: inputs.namespace } : undefined
          },
          runContext,
          secrets,
          log
        )
    )
    return publisher
  }
  // Octokit and the renderer take a few dozen milliseconds to load: let the first measurements'
  // requests leave before that, since GitHub reporting is never on the gate's critical path.
  const later = (): Promise<Publisher> => new Promise((resolve) => setTimeout(resolve, 100)).then(get)
  return {
    progress: (snapshot) =>
      void (publisher ? get() : later()).then(
        (p) => p.progress(snapshot),
        (error: unknown) => log.warning(`GitHub reporting is unavailable: ${(error as Error).message}`)
      ),
    finish: async (result) => (await get()).finish(result)
  }
}

/** A summary that cannot fail: the verdict, what the gate did and why, when the full report would not render. */
function minimalSummary(result: GateResult, problem: string): string {
  const lines = [`## canary-gate: ${result.verdict}`, '', `Outcome: ${result.outcome}.`, '']
  for (const reason of result.reasons.slice(0, 20)) lines.push(`- ${escapeHtml(shorten(reason, 500))}`)
  lines.push('', `The full report could not be rendered (${escapeHtml(shorten(problem, 300))}); the JSON report keeps every measurement.`)
  return lines.join('\n')
}

/**
 * Writes what every run owes the workflow, in an order where nothing can leave it half-done: the
 * summary is rendered first (falling back to a minimal one), then the report file, the outputs and
 * the summary, each on its own, so the outputs always agree with the verdict and the exit code.
 */
export async function publish(result: GateResult, context: RunContext, runner: Runner, secrets: Secrets, log: Logger): Promise<void> {
  let markdown: string
  try {
    const { renderReport } = await import('./report/render.js')
    // Redacted before rendering too: escaping could otherwise turn a secret into text redact() misses.
    markdown = secrets.redact(renderReport(secrets.redactDeep(displayCopy(result)), { context }))
  } catch (error) {
    log.warning(`could not render the report: ${(error as Error).message}`)
    markdown = secrets.redact(minimalSummary(result, (error as Error).message))
  }
  const file = reportPath()
  try {
    await writeReport(result, file, secrets)
  } catch (error) {
    log.warning(`could not write the report to ${file}: ${(error as Error).message}`)
  }
  const outputs: Array<[string, () => string]> = [
    ['verdict', () => result.verdict],
    ['outcome', () => result.outcome],
    ['failed-metrics', () => secrets.redact(failedMetrics(result).join(','))],
    ['report', () => file],
    ['next-steps', () => secrets.redact((result.nextSteps ?? []).join('\n'))],
    // With targets: each one's verdict and outcome, as JSON.
    ...(result.targets ? [['targets', () => secrets.redact(JSON.stringify(targetsOutput(result)))] as [string, () => string]] : [])
  ]
  for (const [name, value] of outputs) {
    try {
      runner.setOutput(name, value())
    } catch (error) {
      log.warning(`could not set the output ${name}: ${(error as Error).message}`)
    }
  }
  try {
    if (!(await runner.appendSummary(markdown))) log.info(markdown)
  } catch (error) {
    log.warning(`could not write the job summary: ${(error as Error).message}`)
  }
}

/** The `targets` output: `[{"name":"eu-west","verdict":"Successful","outcome":"promoted",…}]`. */
export function targetsOutput(result: GateResult): Array<Record<string, unknown>> {
  return (result.targets ?? []).map((t) => ({ name: t.name, verdict: t.result.verdict, outcome: t.result.outcome, started: t.started, context: t.context, namespace: t.namespace, reason: t.result.reasons[0] }))
}

/** The result with every measured value in its bounded JSON form, for renderers that walk it. */
function displayCopy(result: GateResult): GateResult {
  return {
    ...result,
    targets: result.targets?.map((target) => ({ ...target, result: displayCopy(target.result) })),
    analyses: result.analyses.map((analysis) => ({
      ...analysis,
      outcome: {
        ...analysis.outcome,
        metrics: analysis.outcome.metrics.map((metric) => ({
          ...metric,
          tally: { ...metric.tally, measurements: metric.tally.measurements.map((m) => ({ ...m, value: m.value === undefined ? undefined : toJsonValue(m.value) })) }
        }))
      }
    }))
  }
}

/**
 * The runner cancels a step with SIGINT, then SIGTERM 7.5 s later, then kills it 2.5 s after that.
 * A cancelled run reports what it has by CANCEL_REPORT_MS after the first signal, and by
 * HURRY_REPORT_MS after the second, whatever the command is still waiting for.
 */
export const CANCEL_REPORT_MS = 8_000
export const HURRY_REPORT_MS = 1_500
/** The comment and the check may delay a cancelled run's exit by this much at most. */
const CANCELLED_GITHUB_MS = 1_500

/** What a run that had to stop before its command finished reports: the last snapshot, marked so. */
function stoppedEarly(snapshot: GateResult | undefined, command: Inputs['command'] | 'unknown', why: string, now: number): GateResult {
  if (!snapshot) return failedBeforeStart(command, [], [why], now)
  const verdict = snapshot.verdict === 'Failed' || snapshot.verdict === 'Error' ? snapshot.verdict : 'Inconclusive'
  return { ...snapshot, verdict, reasons: [why, ...snapshot.reasons], finishedAt: now }
}

/** `file:line` of a configuration issue, as an annotation on that line of the plan (inputs have none). */
export function annotationOf(where: string): Annotation | undefined {
  const at = /^(.+):(\d+)$/.exec(where)
  if (!at || where.startsWith('input "')) return undefined
  return { file: at[1], startLine: Number(at[2]), title: 'canary-gate: configuration error' }
}

export async function run(runner: Runner = coreRunner()): Promise<void> {
  const secrets = new Secrets((value) => runner.setSecret(value))
  useForDisplay(secrets)
  const log = runnerLogger(runner, secrets)
  const cancel = new AbortController()
  const hurry = new AbortController()
  setMaxListeners(0, cancel.signal)
  setMaxListeners(0, hurry.signal)
  let command: Inputs['command'] | 'unknown' = 'unknown'
  let github: ReturnType<typeof githubReporting> | undefined
  let metrics: MetricsPusher | undefined
  let latest: GateResult | undefined
  let finished: Promise<void> | undefined
  let watchdog: NodeJS.Timeout | undefined
  let crashed = false
  // @actions/github brings Octokit: loaded when the report or the check needs the run's context,
  // not before the first measurement.
  let runContext: Promise<RunContext> | undefined
  const contextOf = (): Promise<RunContext> =>
    (runContext ??= readRunContext().catch((error: unknown) => {
      log.warning(`could not read the run's context: ${(error as Error).message}`)
      return { serverUrl: 'https://github.com', apiUrl: 'https://api.github.com' }
    }))
  // Slack and the report webhook: one more place the result goes, never the verdict.
  const notices = notifier((name) => runner.getInput(name), secrets, log, contextOf)

  /** Publishes once, whoever gets there first: the command, or the watchdog of a cancelled run. */
  const finish = (result: GateResult): Promise<void> =>
    (finished ??= (async () => {
      if (watchdog) clearTimeout(watchdog)
      await publish(result, await contextOf(), runner, secrets, log)
      // The post step acts only when this step was interrupted before it could settle the canary.
      // With targets, each one's outcome too: the post step settles each target on its own.
      const targets = result.targets && Object.fromEntries(result.targets.map((t) => [t.name, t.result.outcome]))
      runner.saveState(FINISHED_STATE, JSON.stringify({ outcome: result.outcome, interrupted: cancel.signal.aborted || crashed, targets }))
      // Slack and the webhook alongside the comment and the check: a cancelled run has seconds left.
      const notifying = notices.finished(result, cancel.signal)
      // The comment and the check never decide the exit code: their failures are warnings.
      const pushing = metrics?.finish(result)
      const posting = github?.finish(result).catch((error: unknown) => log.warning(`the PR comment and the check were skipped: ${(error as Error).message}`))
      if (cancel.signal.aborted) await Promise.race([posting, new Promise((resolve) => setTimeout(resolve, CANCELLED_GITHUB_MS))])
      else await posting
      await notifying
      await pushing
      if (result.verdict !== 'Successful') {
        runner.setFailed(secrets.redact(`canary-gate: ${result.verdict}${result.reasons.length ? ` — ${result.reasons[0]}` : ''}`))
      }
      // A cancelled or crashed run does not wait for calls it gave up on (a kubectl hanging on its timeout).
      if (cancel.signal.aborted || crashed) process.exit(process.exitCode ?? 1)
    })())

  const report = (why: string): void => {
    void finish(stoppedEarly(latest, command, why, Date.now()))
  }
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!cancel.signal.aborted) {
      log.warning(`received ${signal}: stopping (abort-on-cancel applies); the report follows within ${CANCEL_REPORT_MS / 1000}s`)
      cancel.abort(new Error(`cancelled by ${signal}`))
      watchdog = setTimeout(() => report(`the workflow was cancelled, and canary-gate reported what it had after ${CANCEL_REPORT_MS / 1000}s`), CANCEL_REPORT_MS)
      return
    }
    if (hurry.signal.aborted) return
    log.warning(`received ${signal} again: reporting now`)
    hurry.abort(new Error(`hurried by ${signal}`))
    if (watchdog) clearTimeout(watchdog)
    watchdog = setTimeout(() => report('the workflow was cancelled, and the runner asked twice: canary-gate reported what it had'), HURRY_REPORT_MS)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  // A failure outside the command's own promise chain still ends with outputs and a summary, and
  // never with the bundle's minified source in the log.
  const onCrash = (error: unknown): void => {
    crashed = true
    const message = error instanceof Error ? error.message : String(error)
    log.error(`canary-gate failed: ${message}`)
    if (error instanceof Error && error.stack) log.debug(error.stack)
    const why = `canary-gate failed: ${message}`
    void finish(latest ? { ...stoppedEarly(latest, command, why, Date.now()), verdict: 'Error' } : failedBeforeStart(command, [], [why], Date.now()))
  }
  process.on('uncaughtException', onCrash)
  process.on('unhandledRejection', onCrash)

  let result: GateResult
  try {
    const { clock, scale } = clockFromEnv()
    if (scale !== 1) log.warning(`${TIME_SCALE_ENV}=${scale}: time runs ${scale}× faster (for tests and demos only)`)
    const inputs = readInputs((name) => runner.getInput(name), secrets)
    command = inputs.command
    // axios loads while the plan is read, not in front of the first measurement.
    if (command === 'run' || command === 'analyze') preloadHttpClient()
    // lint's findings are annotations on the pull request's files: it posts no comment and no check.
    metrics = metricsReporting(inputs, clock, secrets, log, cancel.signal)
    if (command === 'lint') github = undefined
    else if (inputs.githubToken) github = githubReporting(inputs, contextOf, secrets, log)
    else log.notice('no github-token: the PR comment and the check are skipped')
    const progress = (snapshot: GateResult): void => {
      latest = snapshot
      github?.progress(snapshot)
      notices.started(snapshot)
      metrics?.progress(snapshot)
    }
    result = await dispatch({
      inputs,
      clock,
      log,
      secrets,
      cwd: process.env.GITHUB_WORKSPACE || process.cwd(),
      signal: cancel.signal,
      hurry: hurry.signal,
      progress,
      saveState: (name, value) => runner.saveState(name, value)
    })
  } catch (error) {
    if (error instanceof ConfigError) {
      // Each on its file and line, so it shows on the pull request's Files view.
      for (const issue of error.issues) log.error(formatIssue(issue), annotationOf(issue.where))
      result = failedBeforeStart(command, error.issues.map(formatIssue), ['the configuration has errors, so nothing was measured and the cluster was not touched'], Date.now())
    } else {
      // An unexpected failure still ends with outputs and a summary: the verdict is Error. The stack
      // goes to the debug log only (a minified bundle's lines help nobody in the step log).
      const message = error instanceof Error ? error.message : String(error)
      log.error(`canary-gate failed: ${message}`)
      if (error instanceof Error && error.stack) log.debug(error.stack)
      result = failedBeforeStart(command, [], [`canary-gate failed: ${message}`], Date.now())
    }
  }
  await finish(result)
  for (const [event, handler] of [['SIGINT', onSignal], ['SIGTERM', onSignal], ['uncaughtException', onCrash], ['unhandledRejection', onCrash]] as const) {
    process.off(event, handler)
  }
}
