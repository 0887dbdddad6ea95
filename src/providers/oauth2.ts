// OAuth2 client credentials for prometheus and web metrics (Argo's `authentication.oauth2`): one
// token per token URL and client, reused until shortly before it expires. The token request is one
// more request of the measurement that needs it: same budget, proxy, size cap and retry policy.
import type { Clock } from '../clock.js'
import { displayUrl, type Secrets } from '../secrets.js'
import { excerpt, isObject, readJson } from './answers.js'
import type { Exchange } from './http-client.js'
import { MeasurementError } from './provider.js'

export interface OAuth2Config {
  tokenUrl: string
  clientId: string
  clientSecret: string
  scopes?: string[]
}

export class TokenCache {
  private readonly tokens = new Map<string, { token: string; expiresAt: number }>()
  constructor(
    private readonly clock: Clock,
    private readonly secrets?: Secrets
  ) {}

  async token(config: OAuth2Config, exchange: Exchange, insecure = false): Promise<string> {
    const key = `${config.tokenUrl}\n${config.clientId}\n${(config.scopes ?? []).join(' ')}`
    const cached = this.tokens.get(key)
    if (cached && cached.expiresAt > this.clock.now()) return cached.token
    this.secrets?.addUrlSecrets(config.tokenUrl)
    this.secrets?.add(config.clientSecret)
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: config.clientId, client_secret: config.clientSecret })
    if (config.scopes?.length) form.set('scope', config.scopes.join(' '))
    const label = `oauth2 token request to ${displayUrl(config.tokenUrl)}`
    const answer = await exchange.send({
      method: 'POST',
      url: config.tokenUrl,
      label,
      body: { form },
      insecure,
      // invalid_client / invalid_grant / invalid_scope: the credentials will not get better by trying again.
      explain: ({ status, body }) =>
        status === 400 || status === 401
          ? new MeasurementError(`${exchange.what}: ${label}: HTTP ${status}: ${excerpt(body)} (check the client id, secret and scopes)`, { permanent: true })
          : undefined
    })
    const parsed = readJson(answer.body)
    if (parsed.kind !== 'json' || !isObject(parsed.value)) throw new MeasurementError(`${exchange.what}: ${label}: the answer is not a JSON object: ${excerpt(answer.body, 80)}`)
    const { access_token: token, expires_in: expiresIn } = parsed.value
    if (typeof token !== 'string' || token === '') throw new MeasurementError(`${exchange.what}: ${label}: the answer has no access_token`)
    this.secrets?.add(token)
    const lifetime = typeof expiresIn === 'number' && expiresIn > 0 ? expiresIn * 1000 : 3_600_000
    this.tokens.set(key, { token, expiresAt: this.clock.now() + lifetime * 0.9 })
    return token
  }
}
