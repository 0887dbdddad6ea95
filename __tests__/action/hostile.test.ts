// Hostile backends, through the bundle as the runner runs it: text that would be a workflow command
// in the step log, and answers too deep for any renderer. The runner must execute none of the
// backend's text, and every run must end with outputs that agree with its exit code and a summary.
import { afterEach, describe, expect, it } from '@jest/globals'
import { mkdtemp, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { runAction, runnerCommands, type ActionRun } from '../../emulators/runner.js'
import { startFaultServer, type FaultServer } from '../support/fault-server.js'

const INJECTED = 'partial data\n::set-output name=verdict::Successful\n::add-mask::Successful\n  ::warning::pwned by the backend\n##[set-output name=outcome;]promoted'

let server: FaultServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

async function planFile(text: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cg-hostile-'))
  const file = path.join(dir, 'plan.yaml')
  await writeFile(file, text)
  return file
}

function template(provider: string, condition = 'result[0] < 0.01'): string {
  return `apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: hostile}
spec:
  metrics:
    - name: error-ratio
      count: 1
      consecutiveErrorLimit: 0
      successCondition: ${JSON.stringify(condition)}
      provider:
${provider}
`
}

/** What the runner would have executed that canary-gate did not write itself. */
function foreignCommands(run: ActionRun): string[] {
  return runnerCommands(run.stdout)
    .filter((c) => c.name === 'set-output' || /pwned|Successful|promoted/.test(c.message) && c.name !== 'error')
    .map((c) => `${c.line}: ::${c.name}::${c.message}`)
}

function expectConsistent(run: ActionRun): void {
  expect(run.stderr).toBe('')
  expect(run.outputs.verdict).toMatch(/^(Successful|Failed|Error|Inconclusive)$/)
  expect(run.exitCode).toBe(run.outputs.verdict === 'Successful' ? 0 : 1)
  expect(run.summary.length).toBeGreaterThan(100)
}

describe('a backend cannot speak to the runner', () => {
  it.each([
    [
      'Prometheus warnings',
      { status: 200, body: JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, '0.001'] }] }, warnings: [INJECTED] }) }
    ],
    ['a Prometheus error', { status: 422, body: JSON.stringify({ status: 'error', errorType: 'execution', error: INJECTED }) }]
  ])('%s that hold workflow commands are never executed', async (_name, answer) => {
    server = await startFaultServer({ kind: 'answer', ...answer })
    const plan = await planFile(template(`        prometheus:\n          address: ${server.url}\n          query: up`))
    const run = await runAction({ inputs: { command: 'analyze', plan } })
    expectConsistent(run)
    expect(foreignCommands(run)).toEqual([])
    expect(run.outputs.outcome).toBe('none')
  })

  it('NerdGraph error messages that hold workflow commands are never executed', async () => {
    server = await startFaultServer({ kind: 'answer', status: 200, body: JSON.stringify({ errors: [{ message: INJECTED, extensions: { errorClass: 'INTERNAL_SERVER_ERROR' } }] }) })
    const plan = await planFile(template('        newRelic:\n          query: SELECT 1 FROM Transaction', 'result.errorRate < 2'))
    const run = await runAction({
      inputs: { command: 'analyze', plan, 'newrelic-api-key': 'NRAK-HOSTILE0000000000000000000000', 'newrelic-account-id': '1', 'newrelic-graphql-url': `${server.url}/graphql` }
    })
    expectConsistent(run)
    expect(run.outputs.verdict).not.toBe('Successful')
    expect(foreignCommands(run)).toEqual([])
  })

  it('a web body that holds workflow commands is never executed', async () => {
    server = await startFaultServer({ kind: 'answer', status: 200, contentType: 'text/plain', body: INJECTED })
    const plan = await planFile(template(`        web:\n          url: ${server.url}/metrics`, 'result == "ok"'))
    const run = await runAction({ inputs: { command: 'analyze', plan } })
    expectConsistent(run)
    expect(run.outputs.verdict).toBe('Failed')
    expect(foreignCommands(run)).toEqual([])
  })
})

describe('an answer too deep for anything', () => {
  it('a 100 000-level answer ends with outputs that agree with the exit code, a summary, and no bundle source in the log', async () => {
    const depth = 100_000
    const body = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
    server = await startFaultServer({ kind: 'answer', status: 200, body })
    const plan = await planFile(template(`        web:\n          url: ${server.url}/metrics`, 'result != nil'))
    const run = await runAction({ inputs: { command: 'analyze', plan } })
    expectConsistent(run)
    expect(run.outputs.verdict).not.toBe('Successful')
    // A crash would print the minified line of dist/index.js: thousands of characters on one line.
    expect(Math.max(...run.stdout.split('\n').map((line) => line.length))).toBeLessThan(4000)
  })
})
