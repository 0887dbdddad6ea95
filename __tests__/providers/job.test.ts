// The job provider's result: the last log line, read as JSON the way every other answer is read.
import { describe, expect, it } from '@jest/globals'
import { resultFromLog } from '../../src/providers/job.js'
import { MeasurementError } from '../../src/providers/provider.js'

describe('resultFromLog', () => {
  it('reads the last line as JSON, a number or a word, as before', () => {
    expect(resultFromLog('checking…\n{"errorRate": 0.4}\n')).toEqual({ errorRate: 0.4 })
    expect(resultFromLog('healthy')).toBe('healthy')
  })

  it.each([
    ['a number beyond float64', '{"errorRate": -1e400}', 'the last log line is refused: number -1e400 is out of range for a 64-bit float: {"errorRate": -1e400}'],
    ['a 100 000-level line', `${'['.repeat(100_000)}${']'.repeat(100_000)}`, expect.stringMatching(/^the last log line is refused: answer nested deeper than 64 levels: \[\[\[/)]
  ])('refuses %s instead of handing it to the conditions', (_name, line, message) => {
    let thrown: unknown
    try {
      resultFromLog(`done\n${line}\n`)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(MeasurementError)
    expect((thrown as Error).message).toEqual(message)
  })
})
