// The example alert rules (examples/alerts/) as Prometheus' own tool reads them: valid rules, and
// alerts that fire on the series canary-gate pushes and stay quiet otherwise (the rule unit tests
// beside them). The same rules fire in a real Prometheus in pushgateway.test.ts.
import { describe, expect, it } from '@jest/globals'
import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { onPath } from '../../emulators/prometheus/server.js'
import { ROOT } from '../../emulators/runner.js'

const RULES = path.join(ROOT, 'examples', 'alerts', 'canary-gate-rules.yml')

async function promtool(...args: string[]): Promise<string> {
  const tool = onPath('promtool')
  if (!tool) throw new Error('promtool is not installed: run `apt-get install -y prometheus` (Debian/Ubuntu)')
  const { stdout, stderr } = await promisify(execFile)(tool, args, { cwd: path.dirname(RULES) }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(`promtool ${args.join(' ')} failed:\n${error.stdout ?? ''}${error.stderr ?? error.message}`)
  })
  return stdout + stderr
}

describe('examples/alerts/canary-gate-rules.yml', () => {
  it('is accepted by promtool check rules: rollback, validation failure, gate stuck', async () => {
    expect(await promtool('check', 'rules', RULES)).toContain('SUCCESS: 3 rules found')
  })

  it('passes its rule unit tests (promtool test rules)', async () => {
    expect(await promtool('test', 'rules', 'canary-gate-rules.test.yml')).toContain('SUCCESS')
  })
})
