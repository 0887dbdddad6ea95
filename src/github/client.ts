// The GitHub API through @actions/github's Octokit (the runner's proxy settings included) with the
// retry and throttling plugins: 5xx answers are retried, and rate limits that clear soon are waited
// out instead of skipping the comment or the check. Loaded only when there is a token and something
// to post. Every failure that remains is classified in words a workflow author can act on: a fork's
// read-only token, missing permissions, rate limits, outages.

/** The part of Octokit canary-gate uses. */
export interface GitHubApi {
  request(route: string, parameters?: Record<string, unknown>): Promise<{ status: number; data: unknown; headers: Record<string, string | number | undefined> }>
  paginate(route: string, parameters?: Record<string, unknown>): Promise<unknown[]>
}

/** Each call may take this long before it counts as an outage. */
export const REQUEST_TIMEOUT_MS = 15_000

/** A rate limit that clears within this is waited out (once); a longer one is a warning. */
export const MAX_RATE_LIMIT_WAIT_S = 60

export async function connect(token: string, baseUrl: string, warn: (message: string) => void = () => {}): Promise<GitHubApi> {
  const [{ getOctokit }, { retry }, { throttling }] = await Promise.all([import('@actions/github'), import('@octokit/plugin-retry'), import('@octokit/plugin-throttling')])
  const waitOut = (kind: string) => (retryAfter: number, options: { method?: string; url?: string }, _octokit: unknown, retryCount: number): boolean => {
    if (retryCount >= 1 || retryAfter > MAX_RATE_LIMIT_WAIT_S) return false
    warn(`GitHub ${kind} on ${options.method ?? ''} ${options.url ?? ''}: waiting ${retryAfter}s, then trying again`)
    return true
  }
  const octokit = getOctokit(
    token,
    {
      baseUrl,
      userAgent: 'canary-gate',
      throttle: { onRateLimit: waitOut('rate limit'), onSecondaryRateLimit: waitOut('secondary rate limit') },
      // 5xx and network failures; 4xx answers (a fork's token, a missing permission) are final.
      retry: { retries: 2 }
    },
    retry,
    throttling
  )
  const withTimeout = (parameters: Record<string, unknown> = {}): Record<string, unknown> => ({
    ...parameters,
    request: { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }
  })
  return {
    request: async (route, parameters) => {
      const response = await octokit.request(route, withTimeout(parameters))
      return { status: response.status, data: response.data, headers: response.headers as Record<string, string | number | undefined> }
    },
    paginate: async (route, parameters) => (await octokit.paginate(route, withTimeout(parameters))) as unknown[]
  }
}

interface RequestErrorLike {
  status?: number
  message?: string
  name?: string
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown }
}

export type FailureKind = 'forbidden' | 'rate-limit' | 'unauthorized' | 'not-found' | 'invalid' | 'outage'

/** What went wrong with a GitHub call, in words, and whether it is the token's permissions. */
export function describeFailure(error: unknown): { kind: FailureKind; text: string } {
  const e = (error ?? {}) as RequestErrorLike
  const status = e.status
  const headers = e.response?.headers ?? {}
  const message = String((e.response?.data as { message?: unknown } | undefined)?.message ?? e.message ?? error).split('\n')[0]
  if (status === 429 || (status === 403 && (String(headers['x-ratelimit-remaining']) === '0' || /rate limit/i.test(message)))) {
    const reset = Number(headers['x-ratelimit-reset'])
    const when = Number.isFinite(reset) && reset > 0 ? ` (resets at ${new Date(reset * 1000).toISOString().slice(11, 19)} UTC)` : ''
    return { kind: 'rate-limit', text: `GitHub API rate limit: ${message}${when}` }
  }
  if (status === 403) {
    // GitHub names the permission the call needed, e.g. "checks=write" or "issues=write; pull_requests=write".
    const needed = String(headers['x-accepted-github-permissions'] ?? '')
      .split(/[;,]\s*/)
      .filter(Boolean)
      .map((p) => p.replace('=', ': ').replace('pull_requests', 'pull-requests'))
    const permission = needed.length ? `the job needs ${needed.join(' or ')}` : 'the job needs checks: write, pull-requests: write or statuses: write'
    return { kind: 'forbidden', text: `GitHub refused the token (403 ${message}): ${permission} — or this is a pull request from a fork, whose token is read-only` }
  }
  if (status === 401) return { kind: 'unauthorized', text: `GitHub did not accept the token (401 ${message})` }
  if (status === 404) return { kind: 'not-found', text: `GitHub answered 404 ${message} (does the token reach this repository?)` }
  if (status === 422) return { kind: 'invalid', text: `GitHub rejected the request (422 ${message})` }
  if (status !== undefined && status >= 500) return { kind: 'outage', text: `GitHub API unavailable (${status} ${message})` }
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || /aborted|timed? ?out/i.test(message)) {
    return { kind: 'outage', text: `GitHub API did not answer within ${REQUEST_TIMEOUT_MS / 1000}s` }
  }
  return { kind: 'outage', text: `GitHub API call failed: ${message}` }
}
