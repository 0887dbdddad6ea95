import { describe, expect, it } from '@jest/globals'
import { assessRun, verdictOf, worstPhase } from '../../src/analysis/run.js'
import type { MetricPhase } from '../../src/analysis/types.js'
import { metric } from '../support/metrics.js'

const outcome = (name: string, phase: MetricPhase, dryRun = false) => ({ spec: metric({ name, dryRun }), phase, message: `${name} says ${phase}` })

describe('run phase', () => {
  it('is the worst metric phase in Argo order', () => {
    expect(worstPhase(['Successful', 'Running'])).toBe('Running')
    expect(worstPhase(['Inconclusive', 'Pending', 'Successful'])).toBe('Inconclusive')
    expect(worstPhase(['Error', 'Inconclusive'])).toBe('Error')
    expect(worstPhase(['Error', 'Failed', 'Successful'])).toBe('Failed')
  })

  it('ignores dryRun metrics for the decision but reports them', () => {
    const run = assessRun([outcome('a', 'Successful'), outcome('b', 'Failed', true)])
    expect(run.phase).toBe('Successful')
    expect(run.reasons).toEqual(['a: a says Successful', 'b Failed (dryRun, does not decide): b says Failed'])
  })

  it('lists the deciding metrics worst first', () => {
    const run = assessRun([outcome('a', 'Inconclusive'), outcome('b', 'Failed'), outcome('c', 'Successful')])
    expect(run.phase).toBe('Failed')
    expect(run.reasons).toEqual(['b Failed: b says Failed', 'a Inconclusive: a says Inconclusive'])
  })

  it('turns an unfinished run into Inconclusive, never Successful', () => {
    expect(verdictOf('Pending')).toBe('Inconclusive')
    expect(verdictOf('Running')).toBe('Inconclusive')
    expect(verdictOf('Failed')).toBe('Failed')
  })
})
