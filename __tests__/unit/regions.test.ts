// Several regions in one gate, with fake per-target runs on a virtual clock: the waves, the worst
// verdict, a failing target cancelling its siblings (reported as the sibling's failure, not as the
// workflow's cancel), targets never started, the post step's per-target state, and the report.
import { describe, expect, it } from '@jest/globals'
import { regions, type TargetRunner } from '../../src/commands/regions.js'
import type { CommandContext } from '../../src/commands/context.js'
import { ConfigError, formatIssue } from '../../src/config-error.js'
import { readInputs } from '../../src/inputs.js'
import { memoryLogger } from '../../src/log.js'
import { targetsOutput } from '../../src/main.js'
import { finishedFor, postAction, STARTED_STATE, startedStates, type StartedState } from '../../src/post-state.js'
import { reportJson } from '../../src/report/json.js'
import type { GateResult } from '../../src/report/model.js'
import { progressTitle, renderReport } from '../../src/report/render.js'
import { Secrets } from '../../src/secrets.js'
import { VirtualClock } from '../support/virtual-clock.js'

type Plan = { verdict: 'Successful' | 'Failed' | 'Error' | 'Inconclusive'; afterMs: number }

/** A fake `run`: saves its started state, takes `afterMs` of clock time, and ends as told, or as the executor does when cancelled. */
function fakeRunner(plans: Record<string, Plan>, clock: VirtualClock, calls: string[]): TargetRunner {
  return {
    check: async () => undefined,
    async run(context: CommandContext): Promise<GateResult> {
      const name = context.inputs.rollout!
      const startedAt = clock.now()
      calls.push(`start ${name} at ${startedAt - T0}`)
      context.saveState?.(STARTED_STATE, JSON.stringify({ rollout: name, namespace: context.inputs.namespace, context: context.inputs.kubeContext, abortOnCancel: true } satisfies StartedState))
      context.log.info('step 1/3 setWeight 20')
      const base = { command: 'run' as const, startedAt, analyses: [], configErrors: [], notes: [], rollout: { name, namespace: context.inputs.namespace, path: 'patches' as const } }
      try {
        await clock.sleep(plans[name].afterMs, context.signal)
      } catch {
        calls.push(`cancelled ${name} at ${clock.now() - T0}`)
        return { ...base, verdict: 'Inconclusive', outcome: 'aborted', reasons: ['the workflow was cancelled'], finishedAt: clock.now(), abort: { reason: 'the workflow was cancelled (abort-on-cancel)', requestedAt: clock.now(), weightBefore: 20, weightAfter: 0 } }
      }
      calls.push(`end ${name} at ${clock.now() - T0}`)
      const { verdict } = plans[name]
      const outcome = verdict === 'Successful' ? 'promoted' : verdict === 'Inconclusive' ? 'paused' : 'aborted'
      return { ...base, verdict, outcome, reasons: [verdict === 'Successful' ? 'the canary went through all 3 steps' : `step 3/3: error-rate ${verdict}`], finishedAt: clock.now(), nextSteps: [`kubectl argo rollouts get rollout ${name} -n shop`] }
    }
  }
}

const T0 = Date.UTC(2026, 1, 4, 7, 0, 0)

function setup(targets: string, plans: Record<string, Plan>, extra: Record<string, string> = {}) {
  const clock = new VirtualClock(T0)
  const log = memoryLogger()
  const calls: string[] = []
  const state: Record<string, string> = {}
  const cancel = new AbortController()
  const inputs = readInputs((name) => ({ command: 'run', plan: 'rollout.yaml', namespace: 'shop', targets, ...extra })[name] ?? '', new Secrets())
  const context: CommandContext = { inputs, clock, log, secrets: new Secrets(), cwd: '.', signal: cancel.signal, saveState: (name, value) => (state[name] = value) }
  return { clock, log, calls, state, cancel, go: () => regions(context, fakeRunner(plans, clock, calls)) }
}

const three = `
- name: eu-west
  kube-context: eu-west-1
  rollout: eu
- name: us-east
  kube-context: us-east-1
  rollout: us
- name: ap-south
  kube-context: ap-south-1
  rollout: ap
`

describe('waves', () => {
  it('first-then-rest: the rest start once the first passed; a failure aborts the running sibling and keeps the promoted one', async () => {
    const { go, calls, log, state } = setup(three, { eu: { verdict: 'Successful', afterMs: 60_000 }, us: { verdict: 'Failed', afterMs: 30_000 }, ap: { verdict: 'Successful', afterMs: 600_000 } })
    const result = await go()
    expect(calls).toEqual(['start eu at 0', 'end eu at 60000', 'start us at 60000', 'start ap at 60000', 'end us at 90000', 'cancelled ap at 90000'])
    expect(result.verdict).toBe('Failed')
    expect(result.outcome).toBe('aborted')
    const ap = result.targets!.find((t) => t.name === 'ap-south')!
    expect(ap.result.reasons[0]).toBe('aborted because us-east failed')
    expect(ap.result.abort!.reason).toBe('aborted because us-east failed (abort-on-cancel)')
    expect(JSON.stringify(result)).not.toContain('the workflow was cancelled')
    expect(result.reasons).toEqual([
      'us-east: Failed, aborted — step 3/3: error-rate Failed',
      'ap-south: Inconclusive, aborted — aborted because us-east failed',
      'eu-west was promoted in the first wave, and a promoted target cannot be un-promoted: roll it back there by deploying the previous image'
    ])
    expect(targetsOutput(result).map(({ name, verdict, outcome }) => ({ name, verdict, outcome }))).toEqual([
      { name: 'eu-west', verdict: 'Successful', outcome: 'promoted' },
      { name: 'us-east', verdict: 'Failed', outcome: 'aborted' },
      { name: 'ap-south', verdict: 'Inconclusive', outcome: 'aborted' }
    ])
    // Every line of a target carries its name; the next steps carry its context.
    expect(log.lines).toContain('[us-east] step 1/3 setWeight 20')
    expect(log.lines).toContain('warning: [ap-south] aborted because us-east failed: stopping it (abort-on-cancel applies)')
    expect(result.nextSteps).toContain('kubectl argo rollouts get rollout us -n shop --context us-east-1')
    // The post step would see one started entry per target.
    expect(startedStates(state[STARTED_STATE]).map((s) => [s.target, s.rollout, s.context])).toEqual([
      ['eu-west', 'eu', 'eu-west-1'],
      ['us-east', 'us', 'us-east-1'],
      ['ap-south', 'ap', 'ap-south-1']
    ])
  })

  it('first-then-rest: a failing first target leaves the rest not started', async () => {
    const { go, calls } = setup(three, { eu: { verdict: 'Failed', afterMs: 1000 }, us: { verdict: 'Successful', afterMs: 1000 }, ap: { verdict: 'Successful', afterMs: 1000 } })
    const result = await go()
    expect(calls).toEqual(['start eu at 0', 'end eu at 1000'])
    expect(result.verdict).toBe('Failed')
    expect(result.targets!.map((t) => [t.name, t.started, t.result.verdict, t.result.reasons[0]])).toEqual([
      ['eu-west', true, 'Failed', 'step 3/3: error-rate Failed'],
      ['us-east', false, 'Inconclusive', 'not started: eu-west failed in an earlier wave'],
      ['ap-south', false, 'Inconclusive', 'not started: eu-west failed in an earlier wave']
    ])
  })

  it('first-then-rest: an inconclusive first target holds the rest (fail closed) and the gate is Inconclusive', async () => {
    const { go, calls } = setup(three, { eu: { verdict: 'Inconclusive', afterMs: 1000 }, us: { verdict: 'Successful', afterMs: 1000 }, ap: { verdict: 'Successful', afterMs: 1000 } })
    const result = await go()
    expect(calls).toEqual(['start eu at 0', 'end eu at 1000'])
    expect(result).toMatchObject({ verdict: 'Inconclusive', outcome: 'paused' })
    expect(result.targets![1].result.reasons[0]).toBe('not started: the first wave did not pass')
  })

  it('parallel: all at once; an Error in one aborts the others, and the worst verdict wins', async () => {
    const { go, calls } = setup(three, { eu: { verdict: 'Successful', afterMs: 10_000 }, us: { verdict: 'Error', afterMs: 20_000 }, ap: { verdict: 'Successful', afterMs: 60_000 } }, { waves: 'parallel' })
    const result = await go()
    expect(calls.slice(0, 3)).toEqual(['start eu at 0', 'start us at 0', 'start ap at 0'])
    expect(calls).toContain('cancelled ap at 20000')
    expect(result.verdict).toBe('Error')
    expect(result.targets!.map((t) => [t.name, t.result.outcome, t.result.reasons[0]])).toEqual([
      ['eu-west', 'promoted', 'the canary went through all 3 steps'],
      ['us-east', 'aborted', 'step 3/3: error-rate Error'],
      ['ap-south', 'aborted', 'aborted because us-east ended in Error']
    ])
    expect(result.reasons).toContain('eu-west was promoted before the failure, and a promoted target cannot be un-promoted: roll it back there by deploying the previous image')
  })

  it('parallel: all pass → Successful and promoted', async () => {
    const { go } = setup(three, { eu: { verdict: 'Successful', afterMs: 10 }, us: { verdict: 'Successful', afterMs: 20 }, ap: { verdict: 'Successful', afterMs: 30 } }, { waves: 'parallel' })
    const result = await go()
    expect(result).toMatchObject({ verdict: 'Successful', outcome: 'promoted', reasons: ['all 3 targets passed: eu-west, us-east, ap-south'] })
  })

  it("the workflow's cancel reaches every running target as the workflow's, and later waves never start", async () => {
    const { go, calls, cancel, clock } = setup(three, { eu: { verdict: 'Successful', afterMs: 60_000 }, us: { verdict: 'Successful', afterMs: 1 }, ap: { verdict: 'Successful', afterMs: 1 } })
    const running = go()
    await clock.sleep(5_000)
    cancel.abort(new Error('cancelled by SIGINT'))
    const result = await running
    expect(calls).toEqual(['start eu at 0', 'cancelled eu at 5000'])
    expect(result.targets!.map((t) => t.result.reasons[0])).toEqual(['the workflow was cancelled', 'not started: the workflow was cancelled', 'not started: the workflow was cancelled'])
    expect(result.verdict).toBe('Inconclusive')
  })
})

describe('checked before anything starts', () => {
  it('says a problem all targets share once, and names the targets of one some have', async () => {
    const calls: string[] = []
    const runner: TargetRunner = {
      run: async () => {
        calls.push('run')
        throw new Error('never')
      },
      check: async (context) => {
        const issues = [{ where: 'rollout.yaml:3', message: 'shared problem' }]
        if (context.inputs.rollout === 'us') issues.push({ where: 'input "rollout"', message: 'not found in the plan' })
        throw new ConfigError(issues)
      }
    }
    const inputs = readInputs((name) => ({ command: 'run', plan: 'p.yaml', targets: three })[name] ?? '', new Secrets())
    const error = await regions({ inputs, clock: new VirtualClock(T0), log: memoryLogger(), secrets: new Secrets(), cwd: '.', signal: new AbortController().signal }, runner).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).issues.map(formatIssue)).toEqual(['rollout.yaml:3: shared problem', 'input "rollout": target us-east: not found in the plan'])
    expect(calls).toEqual([])
  })
})

describe('the post step with several targets', () => {
  it('reads the list and the single-target state of older runs, each target with its own outcome', () => {
    expect(startedStates(JSON.stringify({ rollout: 'vote', namespace: 'qa', abortOnCancel: true }))).toEqual([{ rollout: 'vote', namespace: 'qa', abortOnCancel: true }])
    expect(startedStates('')).toEqual([])
    const list = startedStates(JSON.stringify([{ rollout: 'eu', namespace: 's', abortOnCancel: true, target: 'eu-west' }, { rollout: 'us', namespace: 's', abortOnCancel: true, target: 'us-east' }]))
    const finished = { outcome: 'aborted' as const, interrupted: true, targets: { 'eu-west': 'promoted' as const, 'us-east': 'none' as const } }
    expect(list.map((s) => postAction(s, finishedFor(finished, s)))).toEqual(['nothing', 'abort'])
  })
})

describe('the report of several targets', () => {
  it('puts the summary table first, then one section per target, and the JSON carries each', async () => {
    const { go } = setup(three, { eu: { verdict: 'Successful', afterMs: 60_000 }, us: { verdict: 'Failed', afterMs: 30_000 }, ap: { verdict: 'Successful', afterMs: 600_000 } })
    const result = await go()
    const markdown = renderReport(result, { context: { serverUrl: 'https://github.com', apiUrl: 'https://api.github.com' } })
    expect(markdown.split('\n')[0]).toBe('## ❌ Failed — 3 targets: eu-west promoted, us-east aborted, ap-south aborted')
    expect(markdown).toContain('| Target | Context / namespace | Verdict | Outcome | Deciding reason | Duration |')
    expect(markdown).toContain('| ✅ eu-west | <code>eu-west-1</code> / <code>shop</code> | Successful | promoted |')
    expect(markdown).toContain('| ❔ ap-south | <code>ap-south-1</code> / <code>shop</code> | Inconclusive | aborted | aborted because us-east failed | 30s |')
    const table = markdown.indexOf('### Targets')
    const sections = ['eu-west', 'us-east', 'ap-south'].map((name) => markdown.indexOf(`— context <code>${name}-1</code>`))
    expect(sections.every((at) => at > table)).toBe(true)
    expect(sections).toEqual([...sections].sort((a, b) => a - b))
    // Each section's own headings sit one level below its target's.
    expect(markdown).toMatch(/^### ❌ Failed — rollout us aborted/m)
    expect(progressTitle(result)).toBe('In progress: eu-west promoted, us-east aborted, ap-south aborted')
    const json = reportJson(result) as { verdict: string; targets: Array<{ name: string; verdict: string; outcome: string }> }
    expect(json.verdict).toBe('Failed')
    expect(json.targets.map((t) => [t.name, t.verdict, t.outcome])).toEqual([
      ['eu-west', 'Successful', 'promoted'],
      ['us-east', 'Failed', 'aborted'],
      ['ap-south', 'Inconclusive', 'aborted']
    ])
  })
})
