// What every run owes the workflow, even when its report cannot be rendered: outputs that agree with
// the verdict, a job summary, and log text that the runner never reads as a command.
import { describe, expect, it } from '@jest/globals'
import { mkdtemp } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { runnerCommands } from '../../emulators/runner.js'
import { runnerLogger, writePlain } from '../../src/log.js'
import { publish } from '../../src/main.js'
import type { GateResult } from '../../src/report/model.js'
import { Secrets } from '../../src/secrets.js'
import { memoryRunner } from '../support/memory-runner.js'

describe('publishing a result', () => {
  it('writes outputs that agree with the verdict and a minimal summary when the report will not render', async () => {
    process.env.RUNNER_TEMP = await mkdtemp(path.join(os.tmpdir(), 'cg-publish-'))
    const runner = memoryRunner()
    const secrets = new Secrets()
    // An analysis record the renderer cannot walk (no metric spec): rendering throws.
    const broken = { verdict: 'Failed', startedAt: 0, finishedAt: 1, metrics: [{ phase: 'Failed' }], reasons: [], ending: 'decided' }
    const result = {
      command: 'analyze',
      verdict: 'Failed',
      outcome: 'none',
      reasons: ['error-rate Failed: 2.68 > 2'],
      startedAt: 0,
      finishedAt: 1,
      analyses: [{ label: 'analyze', templates: ['t'], outcome: broken }],
      configErrors: [],
      notes: []
    } as unknown as GateResult
    await publish(result, { repository: 'a/b' } as never, runner, secrets, runnerLogger(runner, secrets))
    expect(runner.outputs.verdict).toBe('Failed')
    expect(runner.outputs.outcome).toBe('none')
    expect(runner.summary).toContain('## canary-gate: Failed')
    expect(runner.summary).toContain('error-rate Failed: 2.68 &gt; 2')
    expect(runner.summary).toContain('The full report could not be rendered')
    expect(runner.lines.some((line) => line.startsWith('warning: could not render the report'))).toBe(true)
    expect(path.dirname(runner.outputs.report)).toContain(path.join(process.env.RUNNER_TEMP, 'canary-gate'))
  })
})

describe('log text from outside', () => {
  const hostile = 'ok\n::set-output name=verdict::Successful\n   ::add-mask::x\n##[warning]legacy'

  it('never reaches the runner as a command, and reads unchanged', () => {
    const runner = memoryRunner()
    const log = runnerLogger(runner, new Secrets())
    log.info(`prometheus warnings: ${hostile}`)
    const text = runner.lines.join('\n')
    expect(runnerCommands(text).map((c) => c.name)).toEqual(['stop-commands'])
    expect(text).toContain(hostile)
  })

  it('passes ordinary text through as it is, and cannot be ended by text that guesses the token', () => {
    const written: string[] = []
    writePlain('step 2/9 pause 2m; 50% canary', (t) => written.push(t))
    expect(written).toEqual(['step 2/9 pause 2m; 50% canary'])
    const blocks: string[] = []
    writePlain('::canary-gate-0::\n::set-output name=a::b', (t) => blocks.push(t))
    writePlain('::x::', (t) => blocks.push(t))
    const commands = runnerCommands(blocks.join('\n'))
    expect(commands.map((c) => c.name)).toEqual(['stop-commands', 'stop-commands'])
    expect(commands[0].message).not.toBe(commands[1].message)
  })
})
