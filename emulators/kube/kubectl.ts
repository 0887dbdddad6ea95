// Running the real kubectl against the emulator, for tests and scripts.

import { execFile } from 'node:child_process'

export interface KubectlResult {
  /** Exit code; -1 when kubectl could not be started or was killed. */
  code: number
  stdout: string
  stderr: string
  /** Wall time in ms. */
  ms: number
}

/**
 * Runs `kubectl ARGS` with `env` (an emulator's env: KUBECONFIG and KUBECACHEDIR) over the current
 * environment, feeding `input` to stdin. Never rejects: a failure is a non-zero code.
 */
export function kubectl(
  env: Record<string, string>,
  args: string[],
  options: { input?: string; extraEnv?: NodeJS.ProcessEnv; timeoutMs?: number } = {}
): Promise<KubectlResult> {
  const started = Date.now()
  return new Promise((resolve) => {
    const child = execFile(
      'kubectl',
      args,
      { env: { ...process.env, ...env, ...options.extraEnv }, timeout: options.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1
        resolve({ code, stdout, stderr, ms: Date.now() - started })
      }
    )
    child.stdin?.end(options.input ?? '')
  })
}

/** Polls `probe` until it returns something truthy; rejects with `what` after `timeoutMs` (real ms). */
export async function waitUntil<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 5000, intervalMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = probe()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}
