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
import { readInputs, type Inputs } from './inputs.js'
import { runnerLogger, type Logger } from './log.js'
import { failedMetrics, writeReport } from './report/json.js'
import type { GateResult } from './report/model.js'
import { githubRunner, type Runner } from './runner.js'
import { Secrets } from './secrets.js'

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
      return (await import('./commands/cluster.js')).run(context)
    default:
      return (await import('./commands/cluster.js')).manage(context)
  }
}

/** The check and the comment, created the first time there is something to show. */
function githubReporting(inputs: Inputs, context: RunContext, secrets: Secrets, log: Logger): { progress: (snapshot: GateResult) => void; finish: (result: GateResult) => Promise<void> } {
  let publisher: Promise<Publisher> | undefined
  const get = (): Promise<Publisher> => {
    publisher ??= import('./github/publisher.js').then(
      ({ Publisher }) =>
        new Publisher(
          {
            token: inputs.githubToken!,
            comment: inputs.comment,
            checkName: inputs.checkName,
            command: inputs.command,
            rollout: inputs.rollout && inputs.command !== 'analyze' ? { name: inputs.rollout, namespace: inputs.namespace } : undefined
          },
          context,
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

async function publish(result: GateResult, context: RunContext, runner: Runner, secrets: Secrets, log: Logger): Promise<void> {
  const file = reportPath()
  try {
    await writeReport(result, file, secrets)
  } catch (error) {
    log.warning(`could not write the report to ${file}: ${(error as Error).message}`)
  }
  runner.setOutput('verdict', result.verdict)
  runner.setOutput('outcome', result.outcome)
  runner.setOutput('failed-metrics', secrets.redact(failedMetrics(result).join(',')))
  runner.setOutput('report', file)
  runner.setOutput('next-steps', secrets.redact((result.nextSteps ?? []).join('\n')))
  const { renderReport } = await import('./report/render.js')
  // Redacted before rendering too: escaping could otherwise turn a secret into text redact() misses.
  const markdown = secrets.redact(renderReport(secrets.redactDeep(result), { context }))
  try {
    if (!runner.appendSummary(markdown)) log.info(markdown)
  } catch (error) {
    log.warning(`could not write the job summary: ${(error as Error).message}`)
  }
}

export async function run(runner: Runner = githubRunner()): Promise<void> {
  const secrets = new Secrets((value) => runner.setSecret(value))
  const log = runnerLogger(runner, secrets)
  const cancel = new AbortController()
  setMaxListeners(0, cancel.signal)
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!cancel.signal.aborted) log.warning(`received ${signal}: stopping`)
    cancel.abort(new Error(`cancelled by ${signal}`))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)

  let result: GateResult
  let command: Inputs['command'] | 'unknown' = 'unknown'
  let github: ReturnType<typeof githubReporting> | undefined
  const runContext = readRunContext()
  try {
    const { clock, scale } = clockFromEnv()
    if (scale !== 1) log.warning(`${TIME_SCALE_ENV}=${scale}: time runs ${scale}× faster (for tests and demos only)`)
    const inputs = readInputs((name) => runner.getInput(name), secrets)
    command = inputs.command
    if (inputs.githubToken) github = githubReporting(inputs, runContext, secrets, log)
    else log.notice('no github-token: the PR comment and the check are skipped')
    result = await dispatch({ inputs, clock, log, secrets, cwd: process.env.GITHUB_WORKSPACE || process.cwd(), signal: cancel.signal, progress: github?.progress })
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const issue of error.issues) log.error(formatIssue(issue))
      result = failedBeforeStart(command, error.issues.map(formatIssue), ['the configuration has errors, so nothing was measured and the cluster was not touched'], Date.now())
    } else {
      // An unexpected failure still ends with outputs and a summary: the verdict is Error.
      log.error(`canary-gate failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
      result = failedBeforeStart(command, [], [`canary-gate failed: ${error instanceof Error ? error.message : String(error)}`], Date.now())
    }
  }
  await publish(result, runContext, runner, secrets, log)
  // The comment and the check never decide the exit code: their failures are warnings.
  await github?.finish(result).catch((error: unknown) => log.warning(`the PR comment and the check were skipped: ${(error as Error).message}`))
  if (result.verdict !== 'Successful') {
    runner.setFailed(secrets.redact(`canary-gate: ${result.verdict}${result.reasons.length ? ` — ${result.reasons[0]}` : ''}`))
  }
}
