// Every secret the action learns (API keys, tokens, header values, secret args) is registered here.
// The runner masks them in its log through core.setSecret; everything the action writes itself
// (report file, summary, comment, check, outputs) passes through redact().
//
// A secret rarely reaches text as it was given: a URL percent-encodes it (each encoder a little
// differently, in either hex case), a JSON body escapes it (maybe twice), an HTML page entity-encodes
// it, basic auth base64-encodes it with the user name. add() registers the common derived forms (the
// runner masks those in its log), and one pattern per secret matches any mix of those escapes, so
// redact() finds the secret in whatever form it arrives.

export const REDACTED = '***'

// Text is shortened in many places (value displays, answer excerpts, messages). A cut made before
// redaction can leave a prefix of a secret that redact() no longer recognises, so every shortening
// goes through shorten(), which redacts with the run's secrets first. The run's Secrets register
// themselves with useForDisplay(); until then (unit tests of lower layers) nothing is redacted.
let displaySecrets: Secrets | undefined

/** Makes shorten() (and every display built on it) redact these secrets before it cuts. */
export function useForDisplay(secrets: Secrets | undefined): void {
  displaySecrets = secrets
}

const displayRedact = (text: string): string => (displaySecrets ? displaySecrets.redact(text) : text)

/** The text with the run's secrets redacted, then cut to `max` characters with an ellipsis. */
export function shorten(text: string, max: number): string {
  const clean = displayRedact(text)
  return clean.length > max ? `${clean.slice(0, Math.max(0, max - 1))}…` : clean
}

/**
 * The start of a long text (an answer body of up to 16 MiB), redacted: about its first `length`
 * characters. Only the start is redacted, for speed, yet no secret is cut before it is redacted. A secret running past the end of the window is left partly unredacted at the very end of
 * the redacted window, never longer than the longest encoded secret, so that much is dropped.
 */
export function redactedStart(text: string, length: number): string {
  const margin = displaySecrets?.longestEncoding ?? 0
  if (text.length <= length + margin) return displayRedact(text)
  const redacted = displayRedact(text.slice(0, length + 2 * margin))
  return redacted.slice(0, redacted.length - margin)
}

/** Header names and arg names whose values are treated as secrets. */
export const SECRET_NAME =
  /(authorization|(^|[^a-z])auth($|[^a-z])|token|secret|passw(or)?d|(^|[^a-z])pass($|[^a-z])|pwd|api[-_]?key|apikey|app[-_]?key|access[-_]?key|private[-_]?key|license|cookie|credential|signature|session)/i

/** Names of URL query parameters whose values are secrets: the header and arg names, and URL-only ones. */
export function isSecretParameter(name: string): boolean {
  return SECRET_NAME.test(name) || /(^|[-_.])(key|sig|auth|jwt|hmac|pw|assertion)$/i.test(name)
}

/** Nesting below this depth is cut from deep copies: no provider hands over anything deeper. */
const MAX_COPY_DEPTH = 64

// The percent-encodings runners and servers write most, registered as plain forms so the runner's
// own log masking knows them too: encodeURIComponent, form encoding (space as "+"), and what the URL
// parser escapes in a query, a path and userinfo (WHATWG URL). redact() also matches any other mix.
const COMPONENT_KEEP = /^[A-Za-z0-9\-_.!~*'()]$/
const FORM_KEEP = /^[A-Za-z0-9*\-._]$/
const QUERY_KEEP = /^[!$%&(-;=?-~]$/
const PATH_KEEP = /^[!$-;=@-_a-z|~]$/
const USERINFO_KEEP = /^[!$-.0-9A-Z_a-z~]$/

function percentEncode(text: string, keep: RegExp, spaceAsPlus = false): string {
  let out = ''
  for (const char of text) {
    if (keep.test(char)) out += char
    else if (spaceAsPlus && char === ' ') out += '+'
    else for (const byte of Buffer.from(char, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

const hex4 = (char: string): string => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`

/** The forms a secret takes in URLs, JSON, HTML and Markdown (the value itself first). */
export function derivedForms(value: string): string[] {
  const forms = new Set<string>([value])
  for (const encoded of [
    percentEncode(value, COMPONENT_KEEP),
    percentEncode(value, FORM_KEEP, true),
    percentEncode(value, QUERY_KEEP),
    percentEncode(value, PATH_KEEP),
    percentEncode(value, USERINFO_KEEP)
  ]) {
    forms.add(encoded)
    forms.add(encoded.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()))
  }
  // JSON as JavaScript writes it, as Go writes it (<, >, & and line separators as \u…), ASCII-only
  // (Python's default) and with "\/" (PHP's default).
  const json = JSON.stringify(value).slice(1, -1)
  forms.add(json)
  forms.add(json.replace(/[<>&\u2028\u2029]/g, hex4))
  forms.add(json.replace(/[^\x00-\x7f]/g, hex4))
  forms.add(json.replace(/\//g, '\\/'))
  // HTML with the usual spellings of the quotes, and the report's Markdown table cell.
  const html = value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  for (const quote of ['&quot;', '&#34;']) {
    for (const apostrophe of ['&#39;', '&#x27;']) forms.add(html.replace(/"/g, quote).replace(/'/g, apostrophe))
  }
  forms.add(
    html
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&#39;')
      .replace(/\r?\n/g, ' ')
      .replace(/\|/g, '&#124;')
      .replace(/([\\`*_[\]~])/g, '\\$1')
  )
  return [...forms]
}

const anyCase = (hex: string): string => [...hex].map((digit) => (/[0-9]/.test(digit) ? digit : `[${digit.toUpperCase()}${digit.toLowerCase()}]`)).join('')
const regexpLiteral = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')
const HTML_NAMES: Record<string, string> = { '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }

/**
 * Every way one character of a secret (other than a letter or digit) can be written by the escapers
 * text goes through, however many times over: itself (after any run of up to 8 backslashes: JSON,
 * Markdown and shell escaping, repeated); percent-encoded UTF-8 (either hex case, re-encoded as %25…
 * up to three times; a space also as "+"); JSON \u escapes of its UTF-16 units; an HTML character
 * reference (named, decimal or hex, its "&" itself escaped up to three times). Every repetition is
 * bounded, so matching stays linear and a match is never longer than LONGEST_CHARACTER_ENCODING.
 */
function characterPattern(char: string): string {
  // Letters and digits are left alone by every escaper in use (and a smaller pattern compiles fast).
  if (/[A-Za-z0-9]/.test(char)) return char
  const alternatives = [`\\\\{0,8}${regexpLiteral(char)}`]
  if (char === ' ') alternatives.push('\\+')
  alternatives.push([...Buffer.from(char, 'utf8')].map((byte) => `%(?:25){0,3}${anyCase(byte.toString(16).padStart(2, '0'))}`).join(''))
  const units = Array.from({ length: char.length }, (_, i) => char.charCodeAt(i))
  alternatives.push(units.map((unit) => `\\\\{1,8}u${anyCase(unit.toString(16).padStart(4, '0'))}`).join(''))
  const code = char.codePointAt(0)!
  const references = [`#0{0,8}${code}`, `#[xX]0{0,8}${anyCase(code.toString(16))}`, ...(HTML_NAMES[char] ? [HTML_NAMES[char]] : [])]
  alternatives.push(`&(?:amp;){0,3}(?:${references.join('|')});`)
  return `(?:${alternatives.join('|')})`
}

/** Longer than anything characterPattern() matches (at most four "%252525XX" bytes: 36 characters). */
const LONGEST_CHARACTER_ENCODING = 40

/**
 * One pattern matching `value` written through any mix of the encodings above — the forms servers,
 * encoders and escapers produce (Go's QueryEscape, Python's quote, JSON inside JSON, HTML…) are too
 * many to list. None for a value made only of letters and digits, which no encoder changes.
 */
function encodedPattern(value: string): RegExp | undefined {
  if (/^[A-Za-z0-9]*$/.test(value)) return undefined
  return new RegExp([...value].map(characterPattern).join(''), 'g')
}

/** What a credential header value stands for without its scheme; for Basic, also the decoded pair. */
function credentialParts(value: string): string[] {
  const scheme = /^(Bearer|Basic|Token)\s+(\S.*)$/is.exec(value)
  if (!scheme) return []
  const rest = scheme[2].trim()
  const parts = [rest]
  if (/^basic$/i.test(scheme[1]) && /^[A-Za-z0-9+/]+=*$/.test(rest)) {
    const decoded = Buffer.from(rest, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    // Only a pair that decodes cleanly is a user:password; anything else is just the opaque token.
    if (colon >= 0 && !/[\x00-\x1f\ufffd]/.test(decoded)) parts.push(decoded, decoded.slice(colon + 1))
  }
  return parts
}

/** An http(s) URL as the URL parser reads it, or undefined. */
function parseHttpUrl(text: string): URL | undefined {
  try {
    const url = new URL(text)
    // "user:pass@host" parses too, as the scheme "user:": only http(s) is read by the parser.
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined
  } catch {
    return undefined
  }
}

/** A URL cut as text into the pieces that can carry credentials (keeping their spelling). */
interface UrlText {
  /** "scheme://", or nothing. */
  prefix: string
  userinfo?: string
  /** From the host to just before "?". */
  rest: string
  query?: string
  fragment?: string
}

/**
 * The authority ends at the first "/", "\\", "?" or "#" (as the URL parser reads http URLs), and its
 * userinfo at its last "@". In a URL that does not parse (`broad`), everything before the last "@"
 * counts as userinfo: a password may hold a "/" the parser would have stopped at, and showing too
 * little is better than showing a password.
 */
function splitUrlText(raw: string, broad: boolean): UrlText {
  let text = raw
  let fragment: string | undefined
  const hash = text.indexOf('#')
  if (hash >= 0) {
    fragment = text.slice(hash + 1)
    text = text.slice(0, hash)
  }
  let query: string | undefined
  const question = text.indexOf('?')
  if (question >= 0) {
    query = text.slice(question + 1)
    text = text.slice(0, question)
  }
  const prefix = (/^[^:/?#@\s]*:\/\//.exec(text) ?? /^\s*/.exec(text)!)[0]
  const afterScheme = text.slice(prefix.length)
  const end = broad ? afterScheme.length : afterScheme.search(/[/\\]|$/)
  const at = afterScheme.lastIndexOf('@', end)
  if (at < 0 || at >= end) return { prefix, rest: afterScheme, query, fragment }
  return { prefix, userinfo: afterScheme.slice(0, at), rest: afterScheme.slice(at + 1), query, fragment }
}

function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '))
  } catch {
    return text
  }
}

/** `a=1&token=x` → the same pairs in the same spelling, with each secret-looking value replaced. */
function scrubPairs(pairs: string): string {
  return pairs
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=')
      if (eq < 0) return pair
      return isSecretParameter(decodeComponent(pair.slice(0, eq))) ? `${pair.slice(0, eq + 1)}${REDACTED}` : pair
    })
    .join('&')
}

export class Secrets {
  private readonly values = new Set<string>()
  private longestFirst: string[] = []
  private readonly patterns = new Map<string, RegExp>()
  constructor(private readonly mask: (value: string) => void = () => {}) {}

  /** A secret, in every form it can take in text (see derivedForms), with and without a credential scheme. */
  add(value: string | undefined | null): void {
    if (value === undefined || value === null) return
    const text = String(value)
    const trimmed = text.trim()
    if (trimmed === '') return
    for (const base of new Set([text, trimmed, ...credentialParts(trimmed)])) {
      for (const form of derivedForms(base)) this.register(form)
      const pattern = base.length >= 3 ? encodedPattern(base) : undefined
      if (pattern) this.patterns.set(base, pattern)
    }
  }

  /** An upper bound on the length of any text redact() matches as one secret. */
  get longestEncoding(): number {
    return this.longestFirst.length === 0 ? 0 : this.longestFirst[0].length * LONGEST_CHARACTER_ENCODING
  }

  private register(form: string): void {
    if (form.trim() === '' || this.values.has(form)) return
    this.values.add(form)
    this.longestFirst = [...this.values].sort((a, b) => b.length - a.length)
    this.mask(form)
  }

  /** A header's value, when its name says it is a credential (Authorization, X-Api-Key, …), with and without its scheme. */
  addHeader(key: string, value: string): void {
    if (!SECRET_NAME.test(key)) return
    this.add(value)
  }

  /** Basic credentials: the password, and the base64 `user:password` the Authorization header carries. */
  addBasicAuth(username: string | undefined, password: string | undefined): void {
    if (!password) return
    this.add(password)
    this.add(Buffer.from(`${username ?? ''}:${password}`).toString('base64'))
  }

  /**
   * The credentials a URL carries: its userinfo password (or a user name standing alone, which is how
   * tokens ride in URLs) and the values of secret-looking query and fragment parameters
   * (`?token=`, `api_key`, `sig`, …). Works on URLs that do not parse.
   */
  addUrlSecrets(url: string | undefined): void {
    if (!url) return
    const text = String(url)
    const parts = splitUrlText(text, parseHttpUrl(text) === undefined)
    if (parts.userinfo !== undefined) {
      const colon = parts.userinfo.indexOf(':')
      const password = colon >= 0 ? parts.userinfo.slice(colon + 1) : ''
      const secret = password || (colon >= 0 ? parts.userinfo.slice(0, colon) : parts.userinfo)
      this.add(secret)
      this.add(decodeComponent(secret))
      // HTTP clients send URL credentials as a Basic Authorization header, which a server may echo.
      if (colon >= 0) this.addBasicAuth(decodeComponent(parts.userinfo.slice(0, colon)), decodeComponent(password))
    }
    for (const pairs of [parts.query, parts.fragment]) {
      for (const pair of pairs?.split('&') ?? []) {
        const eq = pair.indexOf('=')
        if (eq < 0 || !isSecretParameter(decodeComponent(pair.slice(0, eq)))) continue
        const value = pair.slice(eq + 1)
        this.add(value)
        this.add(decodeComponent(value))
      }
    }
  }

  get size(): number {
    return this.values.size
  }

  /** The text with every registered secret replaced, longest first so overlapping secrets go whole. */
  redact(text: string): string {
    if (this.values.size === 0 || !text) return text
    let out = text
    for (const secret of this.longestFirst) {
      // Very short values (a one-character password) would mangle every number in a report;
      // the runner's own masking still covers them in the log.
      if (secret.length < 3) continue
      out = out.split(secret).join(REDACTED)
    }
    for (const pattern of this.patterns.values()) out = out.replace(pattern, REDACTED)
    return out
  }

  /**
   * A deep copy of a JSON-able value with every string (keys too) redacted. Built without recursion,
   * and cut below MAX_COPY_DEPTH levels, so a hostile answer cannot overflow the stack here or in
   * whatever serialises the copy.
   */
  redactDeep<T>(value: T): T {
    const copy = (item: unknown, depth: number, put: (v: unknown) => void): void => {
      if (typeof item === 'string') put(this.redact(item))
      else if (item === null || typeof item !== 'object') put(item)
      else if (depth >= MAX_COPY_DEPTH) put(`[nested deeper than ${MAX_COPY_DEPTH} levels]`)
      else {
        const target: Record<string, unknown> | unknown[] = Array.isArray(item) ? [] : {}
        put(target)
        stack.push({ source: item, target, depth: depth + 1 })
      }
    }
    const stack: Array<{ source: object; target: Record<string, unknown> | unknown[]; depth: number }> = []
    let root: unknown
    copy(value, 0, (v) => (root = v))
    while (stack.length > 0) {
      const { source, target, depth } = stack.pop()!
      if (Array.isArray(source)) {
        source.forEach((item, index) => copy(item, depth, (v) => ((target as unknown[])[index] = v)))
      } else {
        for (const [key, item] of Object.entries(source)) copy(item, depth, (v) => ((target as Record<string, unknown>)[this.redact(key)] = v))
      }
    }
    return root as T
  }
}

/**
 * A URL as logs, messages and reports show it: as written (so a secret in it keeps the form it was
 * registered in), with the run's secrets redacted first, then without userinfo, with the values of
 * secret-looking query and fragment parameters replaced, and on one line. A URL that does not parse
 * (a configuration error prints it) is scrubbed the same way.
 */
export function displayUrl(raw: string): string {
  const text = displayRedact(String(raw))
  const parts = splitUrlText(text, parseHttpUrl(text) === undefined)
  const shown = `${parts.prefix}${parts.rest}${parts.query === undefined ? '' : `?${scrubPairs(parts.query)}`}${parts.fragment === undefined ? '' : `#${scrubPairs(parts.fragment)}`}`
  // Control characters never reach a log line (the URL parser would drop them; text keeps them).
  return shown.replace(/[\x00-\x1f\x7f\u0085\u2028\u2029]/g, (char) => percentEncode(char, /^$/))
}
