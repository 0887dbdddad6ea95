// What "a secret leaked" means in the tests: the secret, or any form it takes in text (URL, form,
// JSON, HTML encodings), or a prefix of 8 or more characters of any of them, appears in the text.
// The forms are computed here, independently of src/secrets.ts, from the platform's own encoders.

const htmlEscape = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')

/** What the URL parser makes of the secret written raw into a query. */
function asParsedQuery(secret: string): string {
  const raw = secret.replace(/%/g, '%25').replace(/#/g, '%23').replace(/&/g, '%26')
  return new URL(`http://h/?${raw}`).search.slice(1)
}

export function formsOf(secret: string): string[] {
  const component = encodeURIComponent(secret)
  return [
    ...new Set([
      secret,
      component,
      component.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()),
      new URLSearchParams({ x: secret }).toString().slice(2),
      asParsedQuery(secret),
      JSON.stringify(secret).slice(1, -1),
      htmlEscape(secret)
    ])
  ]
}

/** Every form or 8-character prefix of a form of `secrets` found in `text` (empty: no leak). */
export function leaks(text: string, secrets: string[]): string[] {
  const found: string[] = []
  for (const secret of secrets) {
    for (const form of formsOf(secret)) {
      const probe = form.length > 8 ? form.slice(0, 8) : form
      if (text.includes(probe)) found.push(`${JSON.stringify(probe)} (from ${JSON.stringify(form)})`)
    }
  }
  return found
}
