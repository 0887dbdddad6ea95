// Small helpers for reading HTTP answers the same way in every provider.

/** A short, single-line excerpt of an answer body for error messages (HTML tags stripped). */
export function excerpt(body: string, max = 120): string {
  const text = body.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim()
  if (text === '') return '(empty body)'
  return text.length > max ? `${text.slice(0, max)}…` : text
}

export function parseJson(body: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body) as unknown }
  } catch {
    return { ok: false }
  }
}
