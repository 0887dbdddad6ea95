// Small helpers for reading HTTP answers the same way in every provider: JSON read as Go's
// encoding/json reads it (what Argo and the real clients use), and backend text shown only as a
// short, single-line, redacted excerpt.
import { redactedStart, shorten } from '../secrets.js'

/** Answers nested deeper than this are refused (real answers are a few levels deep). */
export const MAX_ANSWER_DEPTH = 64

// Only the start of a huge body is worth redacting and tidying for an excerpt.
const EXCERPT_WINDOW = 64 * 1024

/**
 * Backend text on one line: line breaks of every kind and other control characters become spaces, so
 * text from a backend can never start a line of the step log (where `::command` lines are executed).
 */
export function singleLine(text: string): string {
  return text.replace(/[\s\x00-\x1f\x7f\u0085]+/g, ' ').trim()
}

/**
 * A short, single-line excerpt of backend text for messages (HTML tags stripped). The run's secrets
 * are redacted before anything is cut, so no prefix of a secret survives a cut.
 */
export function excerpt(body: string, max = 120): string {
  // Tags are bounded in length so a body of unclosed "<" cannot make the pattern quadratic.
  const text = singleLine(redactedStart(body, EXCERPT_WINDOW).replace(/<[^<>]{0,256}>/g, ' '))
  if (text === '') return '(empty body)'
  return shorten(text, max)
}

/** How a message names the kind of a JSON value: "null", "a list", "an object", "a string", … */
export const typeOf = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : `a ${typeof value}`

/** A JSON object (not null, not a list). */
export const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value)

/** A value from a backend shown in a message: JSON text for anything that is not a plain string. */
export function showValue(value: unknown, max = 60): string {
  if (typeof value === 'string') return excerpt(JSON.stringify(value), max)
  if (value === undefined) return 'nothing'
  let text: string
  try {
    text = JSON.stringify(value) ?? String(value)
  } catch {
    text = String(value)
  }
  return excerpt(text, max)
}

export type JsonAnswer =
  | { kind: 'json'; value: unknown }
  | { kind: 'not-json' }
  /** Valid JSON that Go's encoding/json (and so the real clients) would refuse. */
  | { kind: 'rejected'; problem: string }

/**
 * JSON.parse agrees with Go's encoding/json on all but two points that matter here: it turns a
 * number beyond float64 (`-1e400`) into ±Infinity where Go refuses the answer, and it builds any depth
 * (Go stops at 10 000; deep values overflow the stack of whatever walks them later). Duplicate keys
 * keep the last value in both. So a body that parses is scanned once more, as text, without recursion.
 */
export function readJson(body: string): JsonAnswer {
  let value: unknown
  try {
    value = JSON.parse(body) as unknown
  } catch {
    return { kind: 'not-json' }
  }
  const problem = goWouldRefuse(body)
  return problem === undefined ? { kind: 'json', value } : { kind: 'rejected', problem }
}

const QUOTE = 0x22
const BACKSLASH = 0x5c

function isNumberChar(code: number): boolean {
  // digits . + - e E
  return (code >= 0x30 && code <= 0x39) || code === 0x2e || code === 0x2b || code === 0x2d || code === 0x65 || code === 0x45
}

/** Why Go would refuse this (valid) JSON text, or undefined. A lexical scan: strings are skipped whole. */
function goWouldRefuse(text: string): string | undefined {
  let depth = 0
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code === QUOTE) {
      for (i++; i < text.length; i++) {
        const inner = text.charCodeAt(i)
        if (inner === BACKSLASH) i++
        else if (inner === QUOTE) break
      }
    } else if (code === 0x5b || code === 0x7b) {
      if (++depth > MAX_ANSWER_DEPTH) return `answer nested deeper than ${MAX_ANSWER_DEPTH} levels`
    } else if (code === 0x5d || code === 0x7d) {
      depth--
    } else if (code === 0x2d || (code >= 0x30 && code <= 0x39)) {
      let end = i + 1
      while (end < text.length && isNumberChar(text.charCodeAt(end))) end++
      const literal = text.slice(i, end)
      if (!Number.isFinite(Number(literal))) return `number ${shorten(literal, 40)} is out of range for a 64-bit float`
      i = end - 1
    }
  }
  return undefined
}
