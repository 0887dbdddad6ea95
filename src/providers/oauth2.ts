// OAuth2 client credentials for prometheus and web metrics (Argo's `authentication.oauth2`): one
// token per token URL and client, reused until shortly before it expires.
import type { Clock } from '../clock.js'
import type { Secrets } from '../secrets.js'
import { httpRequest } from './http.js'
import { MeasurementError, retryableStatus } from './provider.js'

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
    private readonly secrets: Secrets
  ) {}

  async token(config: OAuth2Config, signal: AbortSignal, insecure = false): Promise<string> {
    const key = `${config.tokenUrl}\n${config.clientId}\n${(config.scopes ?? []).join(' ')}`
    const cached = this.tokens.get(key)
    if (cached && cached.expiresAt > this.clock.now()) return cached.token
    this.secrets.addUrlSecrets(config.tokenUrl)
    this.secrets.add(config.clientSecret)
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: config.clientId, client_secret: config.clientSecret })
    if (config.scopes?.length) form.set('scope', config.scopes.join(' '))
    const response = await httpRequest({
      method: 'POST',
      url: config.tokenUrl,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      signal,
      insecure
    })
    if (response.status < 200 || response.status >= 300) {
      throw new MeasurementError(`oauth2 token request failed with HTTP ${response.status}`, {
        retryable: retryableStatus(response.status),
        permanent: response.status === 400 || response.status === 401
      })
    }
    let body: { access_token?: unknown; expires_in?: unknown }
    try {
      body = JSON.parse(response.body) as typeof body
    } catch {
      throw new MeasurementError('oauth2 token answer is not JSON')
    }
    if (typeof body.access_token !== 'string' || body.access_token === '') throw new MeasurementError('oauth2 token answer has no access_token')
    this.secrets.add(body.access_token)
    const lifetime = typeof body.expires_in === 'number' ? body.expires_in * 1000 : 3_600_000
    this.tokens.set(key, { token: body.access_token, expiresAt: this.clock.now() + lifetime * 0.9 })
    return body.access_token
  }
}
