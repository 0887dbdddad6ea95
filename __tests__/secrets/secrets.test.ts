// The one redaction path: every form a secret takes in text is registered, URLs are shown without
// their credentials even when they do not parse, and nothing is cut before it is redacted.
import { afterEach, describe, expect, it } from '@jest/globals'
import { displayUrl, REDACTED, Secrets, shorten, useForDisplay } from '../../src/secrets.js'
import { formsOf, leaks } from './leaks.js'

// Characters that every encoding treats differently: space, / + & = ? # % < > " ' and a non-ASCII letter.
const ARG = 'tEam S3cr3t/+&=?#%<>"\'é-0123456789'
const TOKEN = 'ghp_Z2l0aHViLXRva2VuLWZvci10ZXN0cw'

afterEach(() => useForDisplay(undefined))

describe('Secrets.add registers every derived form', () => {
  it.each(formsOf(ARG).map((form) => [form]))('redacts %s', (form) => {
    const secrets = new Secrets()
    secrets.add(ARG)
    expect(secrets.redact(`before ${form} after`)).toBe(`before ${REDACTED} after`)
  })

  it('redacts the URL-encoded form a server echoes in lower-case hex, and the HTML forms other escapers write', () => {
    const secrets = new Secrets()
    secrets.add(ARG)
    const lower = encodeURIComponent(ARG).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())
    const pythonHtml = ARG.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;')
    const goJson = JSON.stringify(ARG).slice(1, -1).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026')
    for (const form of [lower, pythonHtml, goJson]) expect(secrets.redact(form)).toBe(REDACTED)
  })

  it('redacts a secret escaped twice over, and characters outside the BMP in JSON and HTML escapes', () => {
    const secrets = new Secrets()
    secrets.add(ARG)
    secrets.add('k3y-😀-zz')
    expect(secrets.redact(JSON.stringify(JSON.stringify({ team: ARG })))).toBe('"{\\"team\\":\\"***\\"}"')
    expect(secrets.redact(encodeURIComponent(encodeURIComponent(ARG)))).toBe(REDACTED)
    expect(secrets.redact('k3y-\\ud83d\\ude00-zz k3y-&#x1F600;-zz k3y-&amp;#128512;-zz')).toBe('*** *** ***')
  })

  it('asks the runner to mask the common forms in its log too', () => {
    const masked: string[] = []
    new Secrets((value) => masked.push(value)).add(ARG)
    const common = [ARG, encodeURIComponent(ARG), new URLSearchParams({ x: ARG }).toString().slice(2), JSON.stringify(ARG).slice(1, -1)]
    expect(masked).toEqual(expect.arrayContaining(common))
  })

  it('redacts any mix of percent-encoded and plain characters, as encoders disagree on which to escape', () => {
    const secrets = new Secrets()
    secrets.add(ARG)
    // Go's url.QueryEscape keeps only A-Z a-z 0-9 - _ . ~ and writes a space as "+".
    const goQueryEscape = [...ARG].map((c) => (/[A-Za-z0-9\-_.~]/.test(c) ? c : c === ' ' ? '+' : [...Buffer.from(c)].map((b) => `%${b.toString(16).toUpperCase()}`).join(''))).join('')
    expect(secrets.redact(`q=${goQueryEscape}&x=1`)).toBe(`q=${REDACTED}&x=1`)
  })

  it('registers a credential header value with and without its scheme, and a Basic pair decoded', () => {
    const secrets = new Secrets()
    secrets.addHeader('Authorization', `Basic ${Buffer.from('alice:correct-horse').toString('base64')}`)
    secrets.addHeader('X-Team', 'platform')
    expect(secrets.redact(`${Buffer.from('alice:correct-horse').toString('base64')} alice:correct-horse correct-horse platform`)).toBe(
      `${REDACTED} ${REDACTED} ${REDACTED} platform`
    )
  })
})

describe('Secrets.addBasicAuth', () => {
  it('registers the password and the base64 of user:password that the Authorization header carries', () => {
    const secrets = new Secrets()
    secrets.addBasicAuth('prom-reader', 'Tr0ub4dor&3-horse')
    const header = `Basic ${Buffer.from('prom-reader:Tr0ub4dor&3-horse').toString('base64')}`
    expect(secrets.redact(`authorization: ${header}`)).toBe(`authorization: Basic ${REDACTED}`)
    expect(leaks(secrets.redact(`sent ${header} for Tr0ub4dor%263-horse`), ['Tr0ub4dor&3-horse', Buffer.from('prom-reader:Tr0ub4dor&3-horse').toString('base64')])).toEqual([])
  })
})

describe('Secrets.addUrlSecrets', () => {
  it.each([
    ['a query token', `https://metrics.example.com/v1/metrics?app=vote&token=${TOKEN}`, TOKEN],
    ['an api_key', `https://metrics.example.com/v1/metrics?api_key=${TOKEN}&app=vote`, TOKEN],
    ['a signature', `https://blob.example.com/m.json?sv=2024&sig=${encodeURIComponent('a+b/c=d' + TOKEN)}`, 'a+b/c=d' + TOKEN],
    ['a userinfo password', `https://reader:${encodeURIComponent('p@ss/' + TOKEN)}@prometheus.example.com`, 'p@ss/' + TOKEN],
    ['a token as the user name', `https://${TOKEN}@prometheus.example.com`, TOKEN],
    ['a token in a URL that does not parse', `https://exa mple.com/q?access_token=${TOKEN}`, TOKEN],
    ['a fragment token', `https://example.com/cb#access_token=${TOKEN}&x=1`, TOKEN]
  ])('registers %s', (_name, url, secret) => {
    const secrets = new Secrets()
    secrets.addUrlSecrets(url)
    expect(leaks(secrets.redact(`GET ${url} → echoed ${secret} and ${encodeURIComponent(secret)}`), [secret])).toEqual([])
  })

  it('leaves parameters with ordinary names alone', () => {
    const secrets = new Secrets()
    secrets.addUrlSecrets('https://metrics.example.com/v1/metrics?app=voting01-vote-qa&metric=errorRate&code=500')
    expect(secrets.size).toBe(0)
  })
})

describe('displayUrl', () => {
  it.each([
    ['userinfo and a token in a URL that does not parse', `ht!tp://admin:${TOKEN}@metrics example.com/q?token=${TOKEN}`, 'ht!tp://metrics example.com/q?token=***'],
    ['a scheme-less address with userinfo', `admin:${TOKEN}@prometheus:9090/api?x=1`, 'prometheus:9090/api?x=1'],
    ['a password holding "/" the URL parser stops at', `http://admin:${TOKEN}/x@prometheus:9090`, 'http://prometheus:9090'],
    ['a valid URL', `https://admin:${TOKEN}@prometheus.example.com:9090/api?query=up&api_key=${TOKEN}#sig=${TOKEN}`, 'https://prometheus.example.com:9090/api?query=up&api_key=***#sig=***']
  ])('scrubs %s', (_name, url, shown) => {
    expect(displayUrl(url)).toBe(shown)
    expect(leaks(displayUrl(url), [TOKEN])).toEqual([])
  })

  it('keeps the other parameters as they were written, so their registered forms still match', () => {
    const secrets = new Secrets()
    secrets.add(ARG)
    const url = `https://metrics.example.com/q?team=${encodeURIComponent(ARG)}&token=abc`
    expect(displayUrl(url)).toBe(`https://metrics.example.com/q?team=${encodeURIComponent(ARG)}&token=***`)
    expect(leaks(secrets.redact(displayUrl(url)), [ARG])).toEqual([])
  })

  it('redacts a secret arg written raw into a URL, however the URL parser re-encodes it', () => {
    const secrets = new Secrets()
    secrets.add(ARG)
    const raw = `https://metrics.example.com/q?team=${ARG.replace(/[&#%]/g, encodeURIComponent)}&token=abc`
    expect(leaks(secrets.redact(displayUrl(raw)), [ARG])).toEqual([])
  })

  it('never puts a line break or other control character into a log line', () => {
    expect(displayUrl('bad url\n::set-output name=verdict::Successful\r?token=x')).toBe('bad url%0A::set-output name=verdict::Successful%0D?token=***')
  })
})

describe('shorten', () => {
  it('redacts before it cuts: no prefix of a key survives a cut through it', () => {
    const key = 'NRAK-7QX2M9ZKC4W8B1N6R3T5Y0PLDFGH'
    const secrets = new Secrets()
    secrets.add(key)
    useForDisplay(secrets)
    // The cut at 40 characters falls 25 characters into the key.
    const text = `${'x'.repeat(15)}${key} and more text after it`
    expect(leaks(secrets.redact(shorten(text, 40)), [key])).toEqual([])
    expect(shorten(text, 40)).toBe(`${'x'.repeat(15)}${REDACTED} and more text after it`.slice(0, 39) + '…')
  })
})

describe('redactDeep', () => {
  it('redacts keys and values, and survives a 100 000-level value without recursion', () => {
    const secrets = new Secrets()
    secrets.add(TOKEN)
    expect(secrets.redactDeep({ [TOKEN]: [TOKEN, 1, null, { nested: `x ${TOKEN}` }] })).toEqual({ [REDACTED]: [REDACTED, 1, null, { nested: `x ${REDACTED}` }] })
    const deep = JSON.parse(`${'['.repeat(100_000)}"${TOKEN}"${']'.repeat(100_000)}`) as unknown
    const copy = secrets.redactDeep(deep)
    expect(JSON.stringify(copy)).not.toContain(TOKEN)
    expect(JSON.stringify(copy)).toContain('nested deeper than 64 levels')
  })
})
