// Value displays and evaluation messages are cut to a length; the cut must come after redaction,
// or a prefix of a secret (long enough to be useful) survives in the report.
import { afterEach, describe, expect, it } from '@jest/globals'
import { evaluate, ExprEvalError, parseExpression, describeValue } from '../../src/analysis/expr/index.js'
import { formatValue } from '../../src/analysis/values.js'
import { Secrets, useForDisplay } from '../../src/secrets.js'

const KEY = 'NRAK-ABCDEFGHIJKLMNOPQRSTUVWXYZ12'
const PREFIX = KEY.slice(0, 12)

function withSecret(): void {
  const secrets = new Secrets()
  secrets.add(KEY)
  useForDisplay(secrets)
}

afterEach(() => useForDisplay(undefined))

describe('shortened displays never keep a prefix of a secret', () => {
  it('in a measured value shown in the report', () => {
    withSecret()
    // The key straddles the 40-character cut of a string display.
    const shown = formatValue(`${'x'.repeat(25)}${KEY}`)
    expect(shown).not.toContain(PREFIX)
    expect(shown).toContain('***')
    expect(formatValue({ a: `token ${KEY}`, b: 1 })).not.toContain(PREFIX)
  })

  it('in the value descriptions of evaluation errors', () => {
    withSecret()
    expect(describeValue(`${'y'.repeat(50)}${KEY}`)).not.toContain(PREFIX)
    let message = ''
    try {
      evaluate(parseExpression('result < 1'), { result: `${'z'.repeat(40)}${KEY}` })
    } catch (error) {
      if (error instanceof ExprEvalError) message = error.message
    }
    expect(message).toMatch(/cannot compare string/)
    expect(message).not.toContain(PREFIX)
  })

  it('cuts as before when there is no secret', () => {
    expect(formatValue('a'.repeat(60))).toBe(JSON.stringify(`${'a'.repeat(39)}…`))
  })
})
