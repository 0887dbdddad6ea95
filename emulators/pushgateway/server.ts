// A real Prometheus Pushgateway (Debian's prometheus-pushgateway) on a free loopback port, for the
// tests of the metrics canary-gate pushes. Debian's build persists to
// /var/lib/prometheus/pushgateway.data by default: it is started with persistence off, so every
// test begins with an empty gateway and leaves no file behind.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort, isDead, onPath, stopChild } from '../prometheus/server.js'

export interface PushgatewayServer {
  /** http://127.0.0.1:PORT */
  url: string
  /** host:port, for a Prometheus scrape config's targets. */
  target: string
  /** The groups and their metrics, as GET /api/v1/metrics answers (with an Authorization header when it needs one). */
  groups(authorization?: string): Promise<Array<Record<string, unknown> & { labels: Record<string, string> }>>
  close(): Promise<void>
}

export interface StartPushgatewayOptions {
  /** Basic authentication on every endpoint: the user and a bcrypt hash of the password ($2b$…). */
  basicAuth?: { username: string; bcryptHash: string }
  timeoutMs?: number
}

/** The pushgateway binary (Debian names it prometheus-pushgateway), or null when it is not installed. */
export function findPushgateway(): string | null {
  return onPath('prometheus-pushgateway') ?? onPath('pushgateway')
}

const running = new Set<ChildProcess>()
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

export async function startPushgateway(opts: StartPushgatewayOptions = {}): Promise<PushgatewayServer> {
  const binary = findPushgateway()
  if (!binary) throw new Error('the Pushgateway is not installed: run `apt-get install -y prometheus-pushgateway` (Debian/Ubuntu)')
  const dir = mkdtempSync(join(tmpdir(), 'canary-gate-pushgateway-'))
  const args = ['--persistence.file=', '--log.level=warn']
  if (opts.basicAuth) {
    writeFileSync(join(dir, 'web.yml'), `basic_auth_users:\n  ${JSON.stringify(opts.basicAuth.username)}: ${JSON.stringify(opts.basicAuth.bcryptHash)}\n`)
    args.push(`--web.config.file=${join(dir, 'web.yml')}`)
  }
  try {
    for (let attempt = 1; ; attempt++) {
      const port = await freePort()
      const url = `http://127.0.0.1:${port}`
      const child = spawn(binary, [...args, `--web.listen-address=127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] })
      running.add(child)
      child.once('exit', () => running.delete(child))
      let stderr = ''
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)))
      const deadline = Date.now() + (opts.timeoutMs ?? 15_000)
      let ready = false
      while (!ready && !isDead(child) && Date.now() < deadline) {
        // /-/healthy answers before authentication only when there is none; any HTTP answer means it listens.
        ready = await fetch(`${url}/-/healthy`, { signal: AbortSignal.timeout(1_000) }).then(
          async (answer) => (await answer.body?.cancel(), true),
          () => false
        )
        if (!ready) await sleep(50)
      }
      if (ready) {
        let closed: Promise<void> | undefined
        return {
          url,
          target: `127.0.0.1:${port}`,
          groups: async (authorization) => {
            const answer = await fetch(`${url}/api/v1/metrics`, { headers: authorization ? { authorization } : {} })
            return ((await answer.json()) as { data: Array<Record<string, unknown> & { labels: Record<string, string> }> }).data
          },
          close: () =>
            (closed ??= stopChild(child).then(() => {
              running.delete(child)
              rmSync(dir, { recursive: true, force: true })
            }))
        }
      }
      await stopChild(child)
      running.delete(child)
      if (/address already in use/.test(stderr) && attempt < 3) continue
      throw new Error(`the Pushgateway ${isDead(child) ? `exited with ${child.exitCode ?? child.signalCode}` : 'did not answer in time'}; the end of its log:\n${stderr}`)
    }
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
}
