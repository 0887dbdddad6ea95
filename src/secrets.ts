// Every secret the action learns (API keys, tokens, header values, secret args) is registered here.
// The runner masks them in its log through core.setSecret; everything the action writes itself
// (report file, summary, comment, check, outputs) passes through redact().

export const REDACTED = '***'

// Text is shortened in many places (value displays, answer excerpts, messages). A cut made before
// redaction can leave a prefix of a secret that redact() no longer recognises, so every shortening
// goes through shorten(), which redacts with the run's secrets first. The run's Secrets register
// themselves with useForDisplay(); until then (unit tests of lower layers) nothing is redacted.
let displayRedactor: ((text: string) => string) | undefined

/** Makes shorten() (and every display built on it) redact these secrets before it cuts. */
export function useForDisplay(secrets: Secrets | undefined): void {
  displayRedactor = secrets ? (text) => secrets.redact(text) : undefined
}

/** The text with the run's secrets redacted, then cut to `max` characters with an ellipsis. */
export function shorten(text: string, max: number): string {
  const clean = displayRedactor ? displayRedactor(text) : text
  return clean.length > max ? `${clean.slice(0, Math.max(0, max - 1))}…` : clean
}

/** Header names and arg names whose values are treated as secrets. */
export const SECRET_NAME =
  /(authorization|(^|[^a-z])auth($|[^a-z])|token|secret|passw(or)?d|(^|[^a-z])pass($|[^a-z])|pwd|api[-_]?key|apikey|app[-_]?key|access[-_]?key|private[-_]?key|license|cookie|credential|signature|session)/i

export class Secrets {
  private readonly values = new Set<string>()
  constructor(private readonly mask: (value: string) => void = () => {}) {}

  add(value: string | undefined | null): void {
    if (value === undefined || value === null) return
    const trimmed = String(value).trim()
    if (trimmed === '') return
    for (const candidate of new Set([String(value), trimmed])) {
      if (this.values.has(candidate)) continue
      this.values.add(candidate)
      this.mask(candidate)
    }
  }

  /** A header's value, when its name says it is a credential (Authorization, X-Api-Key, …), with and without its scheme. */
  addHeader(key: string, value: string): void {
    if (!SECRET_NAME.test(key)) return
    this.add(value)
    this.add(value.replace(/^(Bearer|Basic|Token)\s+/i, ''))
  }

  get size(): number {
    return this.values.size
  }

  /** The text with every registered secret replaced, longest first so overlapping secrets go whole. */
  redact(text: string): string {
    if (this.values.size === 0 || !text) return text
    let out = text
    const sorted = [...this.values].sort((a, b) => b.length - a.length)
    for (const secret of sorted) {
      // Very short values (a one-character password) would mangle every number in a report;
      // the runner's own masking still covers them in the log.
      if (secret.length < 3) continue
      out = out.split(secret).join(REDACTED)
    }
    return out
  }

  /** A deep copy of a JSON-able value with every string redacted. */
  redactDeep<T>(value: T): T {
    if (typeof value === 'string') return this.redact(value) as T
    if (Array.isArray(value)) return value.map((item) => this.redactDeep(item)) as T
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {}
      for (const [key, item] of Object.entries(value)) out[key] = this.redactDeep(item)
      return out as T
    }
    return value
  }
}

/** URLs printed in logs and reports lose their userinfo and the values of secret-looking parameters. */
export function displayUrl(raw: string): string {
  try {
    const url = new URL(raw)
    url.username = ''
    url.password = ''
    for (const key of [...url.searchParams.keys()]) {
      if (SECRET_NAME.test(key) || /^(key|sig|auth)$/i.test(key)) url.searchParams.set(key, REDACTED)
    }
    return url.toString()
  } catch {
    return raw
  }
}
