// How every provider reads an answer: JSON as Go's encoding/json (Argo's and the real clients') reads
// it, and backend text only as a short, single-line, redacted excerpt.
import { afterEach, describe, expect, it } from '@jest/globals'
import { excerpt, MAX_ANSWER_DEPTH, readJson, singleLine } from '../../src/providers/answers.js'
import { Secrets, useForDisplay } from '../../src/secrets.js'
import { leaks } from '../secrets/leaks.js'

afterEach(() => useForDisplay(undefined))

describe('readJson', () => {
  it.each([
    ['-1e400', '{"errorRate":-1e400}'],
    ['1e400', '[1e400]'],
    ['1E+999', '{"a":{"b":[0.5,1E+999]}}']
  ])('refuses %s, a number beyond float64 that JavaScript would make ±Infinity and Go refuses', (literal, body) => {
    expect(readJson(body)).toEqual({ kind: 'rejected', problem: `number ${literal} is out of range for a 64-bit float` })
  })

  it('accepts what Go accepts: an underflow becomes 0, huge but finite numbers, and numbers inside strings', () => {
    expect(readJson('{"a":1e-400,"b":1.7976931348623157e308,"c":"1e400","d":"[[[["}')).toEqual({
      kind: 'json',
      value: { a: 0, b: 1.7976931348623157e308, c: '1e400', d: '[[[[' }
    })
  })

  it('keeps the last of duplicate keys, as Go does', () => {
    expect(readJson('{"errorRate":0.4,"errorRate":null}')).toEqual({ kind: 'json', value: { errorRate: null } })
  })

  it(`accepts ${MAX_ANSWER_DEPTH} levels and refuses ${MAX_ANSWER_DEPTH + 1}`, () => {
    const nested = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`
    expect(readJson(nested(MAX_ANSWER_DEPTH)).kind).toBe('json')
    expect(readJson(nested(MAX_ANSWER_DEPTH + 1))).toEqual({ kind: 'rejected', problem: 'answer nested deeper than 64 levels' })
  })

  it('refuses a 100 000-level body without overflowing the stack (escaped quotes in strings do not confuse it)', () => {
    const body = `{"note":"a \\" [ quote","v":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`
    expect(readJson(body)).toEqual({ kind: 'rejected', problem: 'answer nested deeper than 64 levels' })
  })

  it('tells text that is not JSON apart', () => {
    expect(readJson('<html>')).toEqual({ kind: 'not-json' })
    expect(readJson('{"a":0x0}')).toEqual({ kind: 'not-json' })
  })
})

describe('excerpt', () => {
  it('is one line whatever the backend sent: an injected workflow command never starts a line', () => {
    const shown = excerpt('failed\n::set-output name=verdict::Successful\r\n::warning::ok\u2028\u0085done')
    expect(shown).toBe('failed ::set-output name=verdict::Successful ::warning::ok done')
    expect(singleLine('a\r\nb\tc\u0000d')).toBe('a b c d')
  })

  it('redacts the whole body before it cuts: no prefix of a key survives the cut', () => {
    const key = 'NRAK-7QX2M9ZKC4W8B1N6R3T5Y0PLDFGH'
    const secrets = new Secrets()
    secrets.add(key)
    useForDisplay(secrets)
    // The 120-character cut (119 and an ellipsis) falls 24 characters into the key.
    const shown = excerpt(`${'e'.repeat(94)} ${key} tail`)
    expect(leaks(secrets.redact(shown), [key])).toEqual([])
    expect(shown).toContain('***')
  })

  it('redacts a key wherever a huge body puts it, the edges of the part it redacts included', () => {
    const key = 'NRAK-7QX2M9ZKC4W8B1N6R3T5Y0PLDFGH'
    const secrets = new Secrets()
    secrets.add(key)
    useForDisplay(secrets)
    const window = 64 * 1024
    for (const at of [window - 10, window + secrets.longestEncoding - 10, window + 2 * secrets.longestEncoding - 10]) {
      // Whitespace collapses, so the key would be the first thing the excerpt shows.
      const shown = excerpt(`${' '.repeat(at)}${encodeURIComponent(key)} and a long tail${'.'.repeat(300_000)}`)
      expect(leaks(secrets.redact(shown), [key])).toEqual([])
    }
  })

  it('stays fast on a body of unclosed tags', () => {
    const started = Date.now()
    expect(excerpt('<'.repeat(1_000_000)).length).toBeLessThanOrEqual(121)
    expect(Date.now() - started).toBeLessThan(2000)
  })
})
