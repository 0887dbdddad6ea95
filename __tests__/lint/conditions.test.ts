// What lint proves about a condition: never true, or never false, from its text alone. Anything
// that depends on the measured value (NaN included) is not proved.
import { describe, expect, it } from '@jest/globals'
import { parseExpression } from '../../src/analysis/expr/index.js'
import { neverFalse, neverTrue } from '../../src/lint/conditions.js'

const never = (text: string) => neverTrue(parseExpression(text))
const always = (text: string) => neverFalse(parseExpression(text))

describe('neverTrue', () => {
  it.each([
    ['false', 'always false'],
    ['1 > 2', 'always false'],
    ['result > 5 && result < 3', 'no value of result meets > 5 and < 3'],
    ['result.errorRate >= 2 and 1 > result.errorRate', 'no value of result.errorRate meets >= 2 and < 1'],
    ['result[0] == 1 && result[0] == 2', 'no value of result[0] meets == 1 and == 2'],
    ['result < 1 && result > 1', 'no value'],
    ['len(result) < 0', 'never below 0'],
    ['len(result) > 0 && len(result) < 1', 'no value of len(result)'],
    ['result > 1 && false', 'always false'],
    ['not (len(result) >= 0)', 'never false'],
    ['(result > 5 && result < 3) || false', 'neither side']
  ])('%s: %s', (text, why) => {
    expect(never(text)).toContain(why)
  })

  it.each(['result > 5', 'result < 0', 'result > 5 && result < 7', 'result <= 1 && result >= 1', 'result > 5 || result < 3', 'result != result', 'now() > now()', 'result > 5 && result.other < 3', 'isNaN(result)'])(
    '%s: not proved',
    (text) => {
      expect(never(text)).toBeUndefined()
    }
  )
})

describe('neverFalse', () => {
  it.each(['true', '1 < 2', 'len(result) >= 0', 'len(result) > -1', 'result < 1 || true', '!(result > 5 && result < 3)'])('%s is never false', (text) => {
    expect(always(text)).toBeDefined()
  })

  // NaN meets neither side: a comparison of the result is never proved true.
  it.each(['result >= 5 || result < 5', 'result.errorRate < 2', 'len(result) > 0', 'result == result'])('%s: not proved', (text) => {
    expect(always(text)).toBeUndefined()
  })
})
