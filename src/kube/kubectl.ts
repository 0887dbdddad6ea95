// The one way canary-gate runs kubectl: an argument array through @actions/exec (never a shell),
// the kubeconfig from the environment, an optional context, a request timeout on every call,
// transient failures retried with backoff, stderr carried in every error, and in dry-run mode
// every write printed instead of run.
import { getExecOutput } from '@actions/exec'
import { accessSync, constants } from 'node:fs'
import path from 'node:path'
import type { Clock } from '../clock.js'
import type { Inputs } from '../inputs.js'
import type { Logger } from '../log.js'
import { shorten } from '../secrets.js'

export interface ExecResult {
  exitCode: number
  stdout: string
  stderr: string
}

/** Runs a program with arguments, no shell; resolves with its exit code and output. */
export type Exec = (program: string, args: string[], options: { input?: string; env?: Record<string, string> }) => Promise<ExecResult>

export const actionsExec: Exec = async (program, args, options) =>
  getExecOutput(program, args, {
    silent: true,
    ignoreReturnCode: true,
    input: options.input === undefined ? undefined : Buffer.from(options.input),
    env: options.env
  })

export interface KubectlOptions {
  log: Logger
  clock: Clock
  /** The kubeconfig context (--context); default: the current one. */
  context?: string
  /** Print writes instead of running them. */
  dryRun?: boolean
  /** Per-request timeout handed to kubectl (--request-timeout), seconds. */
  requestTimeoutSeconds?: number
  /** Attempts for a call that fails transiently. */
  attempts?: number
  exec?: Exec
  /** The kubectl program (default: kubectl from PATH). */
  program?: string
  env?: NodeJS.ProcessEnv
}

/** kubectl as the action's inputs configure it: context, dry run, request timeout. */
export function kubectlFromInputs(inputs: Pick<Inputs, 'kubeContext' | 'dryRun' | 'kubectlTimeoutMs'>, log: Logger, clock: Clock): Kubectl {
  return new Kubectl({ log, clock, context: inputs.kubeContext, dryRun: inputs.dryRun, requestTimeoutSeconds: Math.max(1, Math.ceil(inputs.kubectlTimeoutMs / 1000)) })
}

export class KubectlError extends Error {
  constructor(
    readonly args: string[],
    readonly exitCode: number,
    readonly stderr: string,
    readonly transient: boolean
  ) {
    super(`kubectl ${args.slice(0, 3).join(' ')} failed (exit ${exitCode}): ${firstLines(stderr) || 'no message'}`)
    this.name = 'KubectlError'
  }

  /** The API server said the object does not exist. */
  get notFound(): boolean {
    return /\(NotFound\)|not found/i.test(this.stderr)
  }
}

function firstLines(text: string, max = 3): string {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .slice(0, max)
    .join(' / ')
}

/** Failures worth another try: the API server or the network, not the request. */
const TRANSIENT =
  /Unable to connect to the server|connection refused|connection reset|i\/o timeout|TLS handshake timeout|context deadline exceeded|Client\.Timeout|request canceled|timed out|Timeout exceeded|the server is currently unable to handle the request|\((ServiceUnavailable|InternalError|TooManyRequests|Timeout|ServerTimeout)\)|etcdserver|http2: client connection lost|unexpected EOF|: EOF\b/i

export function isTransient(stderr: string): boolean {
  return TRANSIENT.test(stderr)
}

/** An argument list as a person would type it, for the log (single-quoted where needed). */
export function displayCommand(program: string, args: string[]): string {
  const quote = (arg: string): string => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)
  return [program, ...args].map(quote).join(' ')
}

/** A write refused because the run was cancelled: from then on only the cancel path changes the cluster. */
export class WritesStopped extends Error {
  constructor(reason: string) {
    super(`not changing the cluster: ${reason}`)
    this.name = 'WritesStopped'
  }
}

export class Kubectl {
  /** kubectl processes started (for the "calls per minute while watching" figure). */
  calls = 0
  private pluginFound: boolean | undefined
  private stoppedBecause?: string
  private readonly exec: Exec
  private readonly program: string

  constructor(private readonly options: KubectlOptions) {
    this.exec = options.exec ?? actionsExec
    this.program = options.program ?? 'kubectl'
  }

  get dryRun(): boolean {
    return Boolean(this.options.dryRun)
  }

  /**
   * Refuses every later write. When the workflow is cancelled the gate's own loop may still be
   * inside a call; whatever it decides when that call returns (a promote, say) must not reach the
   * cluster: only the cancel path, on its own Kubectl, still writes.
   */
  stopWrites(reason: string): void {
    this.stoppedBecause ??= reason
  }

  /** The same kubectl with other bounds: the cancel path's short request timeout and few attempts. */
  derive(overrides: Pick<KubectlOptions, 'requestTimeoutSeconds' | 'attempts' | 'clock'>): Kubectl {
    return new Kubectl({ ...this.options, ...overrides })
  }

  private fullArgs(args: string[]): string[] {
    const out = [...args, `--request-timeout=${this.options.requestTimeoutSeconds ?? 30}s`]
    if (this.options.context) out.push(`--context=${this.options.context}`)
    return out
  }

  private async call(args: string[], input?: string): Promise<string> {
    const full = this.fullArgs(args)
    const attempts = this.options.attempts ?? 4
    for (let attempt = 1; ; attempt++) {
      this.calls++
      let result: ExecResult
      try {
        result = await this.exec(this.program, full, { input })
      } catch (error) {
        // exec throws when the program cannot be started at all.
        throw new KubectlError(args, -1, `cannot run ${this.program}: ${(error as Error).message}`, false)
      }
      if (result.exitCode === 0) return result.stdout
      const transient = isTransient(result.stderr)
      if (!transient || attempt >= attempts) throw new KubectlError(args, result.exitCode, result.stderr, transient)
      const delay = Math.min(8000, 500 * 2 ** (attempt - 1))
      this.options.log.info(`kubectl ${args.slice(0, 3).join(' ')}: ${firstLines(result.stderr, 1)}; retry ${attempt} in ${delay}ms`)
      await this.options.clock.sleep(delay)
    }
  }

  /** A call that only reads the cluster: it runs in dry-run mode too. */
  read(args: string[]): Promise<string> {
    return this.call(args)
  }

  async readJson<T>(args: string[]): Promise<T> {
    const text = await this.read([...args, '-o', 'json'])
    try {
      return JSON.parse(text) as T
    } catch {
      throw new KubectlError(args, 0, `kubectl printed something that is not JSON: ${shorten(text, 120)}`, false)
    }
  }

  /**
   * A call that changes the cluster: logged as the command a person would type, and in dry-run mode
   * only logged. Returns stdout, or undefined in dry-run mode. After stopWrites() only `safe`
   * calls (an abort, deleting what the gate created) still run.
   */
  async write(args: string[], options: { input?: string; what?: string; safe?: boolean } = {}): Promise<string | undefined> {
    const shown = displayCommand(this.program, this.options.context ? [...args, `--context=${this.options.context}`] : args)
    // Writes that only make things safer (an abort, deleting the gate's own Jobs) still run.
    if (this.stoppedBecause !== undefined && !options.safe) throw new WritesStopped(this.stoppedBecause)
    if (this.dryRun) {
      this.options.log.info(`dry-run, would run: ${shown}${options.input ? `  (stdin: ${options.what ?? 'a manifest'})` : ''}`)
      return undefined
    }
    this.options.log.info(`$ ${shown}`)
    return this.call(args, options.input)
  }

  /** Whether `kubectl argo rollouts` is installed: kubectl finds plugins as kubectl-* on PATH. */
  hasArgoPlugin(): boolean {
    if (this.pluginFound === undefined) {
      const dirs = (this.options.env ?? process.env).PATH?.split(path.delimiter) ?? []
      this.pluginFound = dirs.some((dir) => {
        try {
          accessSync(path.join(dir, 'kubectl-argo-rollouts'), constants.X_OK)
          return true
        } catch {
          return false
        }
      })
    }
    return this.pluginFound
  }
}
