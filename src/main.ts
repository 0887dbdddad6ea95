// Reads the inputs, runs the command, and hands the result to every place it must go: outputs, the
// JSON report, the job summary, and the exit code. Nothing else.
import { setMaxListeners } from 'node:events'
import os from 'node:os'
import path from 'node:path'
import { clockFromEnv, TIME_SCALE_ENV } from './clock.js'
import { analyze } from './commands/analyze.js'
import { manage } from './commands/manage.js'
import { run as runRollout } from './commands/run.js'
import type { CommandContext } from './commands/context.js'
import { ConfigError, formatIssue } from './config-error.js'
import { readInputs, type Inputs } from './inputs.js'
import { runnerLogger, type Logger } from './log.js'
import { failedMetrics, writeReport } from './report/json.js'
import type { GateResult } from './report/model.js'
import { renderMarkdown } from './report/render.js'
import { githubRunner, type Runner } from './runner.js'
import { Secrets } from './secrets.js'

export function reportPath(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.RUNNER_TEMP || os.tmpdir()
  const step = (env.GITHUB_ACTION || 'local').replace(/[^A-Za-z0-9_.-]/g, '_')
  return path.join(dir, 'canary-gate', `report-${step}.json`)
}

function failedBeforeStart(command: Inputs['command'] | 'unknown', error: ConfigError, now: number): GateResult {
  return {
    command: command === 'unknown' ? 'run' : command,
    verdict: 'Error',
    outcome: 'none',
    reasons: ['the configuration has errors, so nothing was measured and the cluster was not touched'],
    startedAt: now,
    finishedAt: now,
    analyses: [],
    configErrors: error.issues.map(formatIssue),
    notes: []
  }
}

async function dispatch(context: CommandContext): Promise<GateResult> {
  switch (context.inputs.command) {
    case 'analyze':
      return analyze(context)
    case 'run':
      return runRollout(context)
    default:
      return manage(context)
  }
}

async function publish(result: GateResult, runner: Runner, secrets: Secrets, log: Logger): Promise<void> {
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
  const markdown = secrets.redact(renderMarkdown(result))
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
  try {
    const { clock, scale } = clockFromEnv()
    if (scale !== 1) log.warning(`${TIME_SCALE_ENV}=${scale}: time runs ${scale}× faster (for tests and demos only)`)
    const inputs = readInputs((name) => runner.getInput(name), secrets)
    command = inputs.command
    if (!inputs.githubToken) log.notice('no github-token: the PR comment and the check are skipped')
    result = await dispatch({ inputs, clock, log, secrets, cwd: process.env.GITHUB_WORKSPACE || process.cwd(), signal: cancel.signal })
  } catch (error) {
    if (!(error instanceof ConfigError)) {
      // An unexpected failure still ends with outputs and a summary: the verdict is Error.
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error)
      log.error(`canary-gate failed: ${message}`)
      const now = Date.now()
      result = { ...failedBeforeStart(command, new ConfigError([]), now), reasons: [`canary-gate failed: ${error instanceof Error ? error.message : String(error)}`] }
    } else {
      for (const issue of error.issues) log.error(formatIssue(issue))
      result = failedBeforeStart(command, error, Date.now())
    }
  }
  await publish(result, runner, secrets, log)
  if (result.verdict !== 'Successful') {
    runner.setFailed(secrets.redact(`canary-gate: ${result.verdict}${result.reasons.length ? ` — ${result.reasons[0]}` : ''}`))
  }
}
