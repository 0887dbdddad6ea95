// The runner protocol as the GitHub runner reads it back.
import { describe, expect, it } from '@jest/globals'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { parseOutputFile } from '../../emulators/runner.js'
import { command, githubRunner } from '../../src/runner.js'

async function files() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cg-runner-'))
  const output = path.join(dir, 'out')
  const summary = path.join(dir, 'summary')
  await writeFile(output, '')
  await writeFile(summary, '')
  return { output, summary }
}

describe('runner protocol', () => {
  it('reads inputs the way the runner names them, trimmed', () => {
    const runner = githubRunner({ 'INPUT_NEWRELIC-API-KEY': '  NRAK-1  ', INPUT_ON_FAILURE: 'x', INPUT_CHECK_NAME: 'y' }, () => {})
    expect(runner.getInput('newrelic-api-key')).toBe('NRAK-1')
    expect(runner.getInput('check name')).toBe('y')
    expect(runner.getInput('missing')).toBe('')
  })

  it('writes outputs as heredoc blocks the runner parses back, multi-line values included', async () => {
    const { output } = await files()
    const runner = githubRunner({ GITHUB_OUTPUT: output }, () => {})
    runner.setOutput('verdict', 'Failed')
    runner.setOutput('reasons', 'line one\nline two')
    expect(parseOutputFile(await readFile(output, 'utf8'))).toEqual({ verdict: 'Failed', reasons: 'line one\nline two' })
  })

  it('escapes workflow commands so a message cannot start a command of its own', () => {
    const lines: string[] = []
    const runner = githubRunner({}, (line) => lines.push(line))
    runner.error('50% failed\n::add-mask::x')
    runner.setSecret('multi\nline')
    expect(lines).toEqual(['::error::50%25 failed%0A::add-mask::x', '::add-mask::multi%0Aline', '::add-mask::multi', '::add-mask::line'])
    expect(command('error', 'm', { title: 'a:b,c' })).toBe('::error title=a%3Ab%2Cc::m')
  })

  it('appends to the job summary, and says when there is none', async () => {
    const { summary } = await files()
    expect(githubRunner({ GITHUB_STEP_SUMMARY: summary }, () => {}).appendSummary('## hello')).toBe(true)
    expect(await readFile(summary, 'utf8')).toBe('## hello\n')
    expect(githubRunner({}, () => {}).appendSummary('x')).toBe(false)
  })
})
