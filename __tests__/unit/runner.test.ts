// The runner as @actions/core speaks to it, read back the way the GitHub runner (and the emulated one
// the bundle tests use) reads it: outputs, state for the post step, the job summary, masks.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { parseOutputFile, runnerCommands } from '../../emulators/runner.js'
import { coreRunner } from '../../src/runner.js'

const saved = { ...process.env }
let written: string[] = []

beforeEach(() => {
  written = []
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk))
    return true
  })
})
afterEach(() => {
  jest.restoreAllMocks()
  process.env = { ...saved }
})

async function files(): Promise<{ output: string; state: string; summary: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cg-runner-'))
  const out = { output: path.join(dir, 'out'), state: path.join(dir, 'state'), summary: path.join(dir, 'summary') }
  for (const file of Object.values(out)) await writeFile(file, '')
  process.env.GITHUB_OUTPUT = out.output
  process.env.GITHUB_STATE = out.state
  process.env.GITHUB_STEP_SUMMARY = out.summary
  return out
}

describe('the runner through @actions/core', () => {
  it('reads inputs the way the runner names them, trimmed', () => {
    process.env['INPUT_NEWRELIC-API-KEY'] = '  NRAK-1  '
    process.env.INPUT_CHECK_NAME = 'y'
    const runner = coreRunner()
    expect(runner.getInput('newrelic-api-key')).toBe('NRAK-1')
    expect(runner.getInput('check name')).toBe('y')
    expect(runner.getInput('missing')).toBe('')
  })

  it('writes outputs and post-step state that the runner parses back, multi-line values included', async () => {
    const { output, state } = await files()
    const runner = coreRunner()
    runner.setOutput('verdict', 'Failed')
    runner.setOutput('next-steps', 'line one\nline two')
    runner.saveState('canary', '{"rollout":"vote"}')
    expect(parseOutputFile(await readFile(output, 'utf8'))).toEqual({ verdict: 'Failed', 'next-steps': 'line one\nline two' })
    expect(parseOutputFile(await readFile(state, 'utf8'))).toEqual({ canary: '{"rollout":"vote"}' })
  })

  it('masks a multi-line secret whole and line by line, and puts annotations on a file and line', () => {
    const runner = coreRunner()
    runner.setSecret('multi\nline')
    runner.error('k8s/a.yaml:8: metric "x": count: bad', { file: 'k8s/a.yaml', startLine: 8, title: 'canary-gate: configuration error' })
    const commands = runnerCommands(written.join(''))
    expect(commands.filter((c) => c.name === 'add-mask').map((c) => c.message)).toEqual(['multi\nline', 'multi', 'line'])
    expect(commands.find((c) => c.name === 'error')).toMatchObject({ properties: { file: 'k8s/a.yaml', line: '8', title: 'canary-gate: configuration error' } })
  })

  it('appends to the job summary, and says when there is none', async () => {
    const { summary } = await files()
    expect(await coreRunner().appendSummary('## hello')).toBe(true)
    expect(await coreRunner().appendSummary('## again')).toBe(true)
    expect(await readFile(summary, 'utf8')).toBe('## hello\n## again\n')
    delete process.env.GITHUB_STEP_SUMMARY
    expect(await coreRunner().appendSummary('x')).toBe(false)
  })

  it('folds a phase in a group that ends even when the phase fails', async () => {
    const runner = coreRunner()
    await expect(runner.group('Loading the plan', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    expect(runnerCommands(written.join('')).map((c) => `${c.name}:${c.message}`)).toEqual(['group:Loading the plan', 'endgroup:'])
  })
})
