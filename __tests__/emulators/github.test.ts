import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { Octokit } from '@octokit/core'
import { paginateRest } from '@octokit/plugin-paginate-rest'

// The same Octokit the action builds (src/github/client.ts): core with pagination.
const Client = Octokit.plugin(paginateRest)
function getOctokit(token: string, options: { baseUrl: string }): InstanceType<typeof Client> {
  return new Client({ auth: token, baseUrl: options.baseUrl })
}
import {
  GITHUB_ACTIONS_BOT,
  pullRequestEvent,
  pushEvent,
  startGitHub,
  workflowDispatchEvent,
  type GitHubEmulator,
  type TokenInfo
} from '../../emulators/github/server.js'

const WRITE = 'ghs_writeToken0000000000000000000000'
const FORK = 'ghs_forkReadOnly00000000000000000000'
const PAT = 'github_pat_userToken000000000000000'
const BOT_LOGIN = GITHUB_ACTIONS_BOT.login

const HEAD = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678'
const EARLIER = '1111111111111111111111111111111111111111'
const MERGED_HEAD = '2222222222222222222222222222222222222222'
const MERGE_COMMIT = '3333333333333333333333333333333333333333'
const FORK_HEAD = '4444444444444444444444444444444444444444'
const UNKNOWN = '9999999999999999999999999999999999999999'

const readOnly: TokenInfo['permissions'] = { issues: 'read', pull_requests: 'read', checks: 'read', statuses: 'read', contents: 'read' }
const tokens: Record<string, TokenInfo> = {
  [WRITE]: { ...GITHUB_ACTIONS_BOT, installation: true, permissions: { issues: 'write', pull_requests: 'write', checks: 'write', statuses: 'write', contents: 'read' } },
  [FORK]: { ...GITHUB_ACTIONS_BOT, installation: true, permissions: readOnly },
  [PAT]: { login: 'octo-dev', type: 'User', installation: false, permissions: { issues: 'write', pull_requests: 'write', checks: 'write', contents: 'read' } }
}

let gh: GitHubEmulator
const repo = { owner: 'acme', repo: 'voting-app' }

function octokit(token = WRITE): ReturnType<typeof getOctokit> {
  return getOctokit(token, { baseUrl: gh.url })
}

/** The RequestError Octokit throws, or a failure when the call succeeds. */
async function failure(call: Promise<unknown>): Promise<{ status: number; message: string; data: any; headers: Record<string, string> }> {
  try {
    await call
  } catch (e) {
    const err = e as { status: number; message: string; response?: { data: unknown; headers: Record<string, string> } }
    return { status: err.status, message: err.message, data: err.response?.data, headers: err.response?.headers ?? {} }
  }
  throw new Error('the call succeeded')
}

async function raw(path: string, init: { method?: string; token?: string | null; body?: unknown } = {}): Promise<{ status: number; headers: Headers; text: string; json: any }> {
  const headers: Record<string, string> = { accept: 'application/vnd.github+json' }
  if (init.token !== null) headers.authorization = `token ${init.token ?? WRITE}`
  if (init.body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(`${gh.url}${path}`, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) })
  const text = await res.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.status, headers: res.headers, text, json }
}

beforeAll(async () => {
  gh = await startGitHub({
    tokens,
    issues: [3],
    pulls: [
      { number: 7, head: { sha: HEAD, ref: 'canary-bump' }, commits: [EARLIER, HEAD], title: 'Bump the canary' },
      { number: 5, merged: true, head: { sha: MERGED_HEAD, ref: 'old-change' }, merge_commit_sha: MERGE_COMMIT, commits: [MERGED_HEAD] },
      { number: 9, head: { sha: FORK_HEAD, ref: 'patch-1', repoFullName: 'contributor/voting-app' } }
    ]
  })
})
afterAll(() => gh?.close())

describe('authentication', () => {
  it('answers a request without a token 401 "Requires authentication"', async () => {
    const res = await raw('/user', { token: null })
    expect(res.status).toBe(401)
    expect(res.json).toEqual({ message: 'Requires authentication', documentation_url: 'https://docs.github.com/rest/users/users#get-the-authenticated-user', status: '401' })
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(res.headers.get('x-ratelimit-limit')).toBe('60')
  })

  it('answers an unknown token 401 "Bad credentials" through Octokit', async () => {
    const err = await failure(octokit('ghs_nope').request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...repo, issue_number: 7 }))
    expect(err.status).toBe(401)
    expect(err.data).toEqual({ message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' })
  })

  it('accepts "Bearer" as well as "token", and every answer carries the rate-limit and request-id headers', async () => {
    const res = await fetch(`${gh.url}/repos/acme/voting-app/pulls/7`, { headers: { authorization: `Bearer ${WRITE}` } })
    expect(res.status).toBe(200)
    for (const name of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'x-ratelimit-used', 'x-ratelimit-resource', 'x-github-request-id']) {
      expect(res.headers.get(name)).toBeTruthy()
    }
    expect(res.headers.get('x-ratelimit-limit')).toBe('1000') // GITHUB_TOKEN's limit
    expect(Number(res.headers.get('x-ratelimit-remaining'))).toBe(1000 - Number(res.headers.get('x-ratelimit-used')))
    expect(res.headers.get('x-ratelimit-resource')).toBe('core')
    expect(res.headers.get('x-github-request-id')).toMatch(/^[0-9A-F]{4}:[0-9A-F]{4}:[0-9A-F]{6}:[0-9A-F]{7}:[0-9A-F]{8}$/)
  })

  it('answers GET /user 403 for an installation token and the user for a personal token', async () => {
    const err = await failure(octokit(WRITE).request('GET /user'))
    expect(err.status).toBe(403)
    expect(err.data).toEqual({ message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest/users/users#get-the-authenticated-user', status: '403' })
    const { data } = await octokit(PAT).request('GET /user')
    expect(data).toMatchObject({ login: 'octo-dev', type: 'User' })
  })

  it('answers unknown paths, other repositories and wrong methods 404 "Not Found"', async () => {
    for (const [path, method] of [['/repos/acme/voting-app/nothing', 'GET'], ['/repos/acme/other/pulls/7', 'GET'], ['/repos/acme/voting-app/pulls/7', 'DELETE']]) {
      const res = await raw(path, { method })
      expect(res.status).toBe(404)
      expect(res.json).toEqual({ message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' })
    }
    // Owner and repository names are case-insensitive, as on GitHub.
    expect((await raw('/repos/ACME/Voting-App/pulls/7')).status).toBe(200)
  })
})

describe("a fork's read-only token", () => {
  const forkToken = (): ReturnType<typeof getOctokit> => octokit(FORK)

  it('reads, but gets 403 "Resource not accessible by integration" on comments, check runs and statuses', async () => {
    await expect(forkToken().request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...repo, issue_number: 9 })).resolves.toMatchObject({ status: 200 })
    const attempts: Array<[Promise<unknown>, string]> = [
      [forkToken().request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...repo, issue_number: 9, body: 'report' }), 'https://docs.github.com/rest/issues/comments#create-an-issue-comment'],
      [forkToken().request('POST /repos/{owner}/{repo}/check-runs', { ...repo, name: 'canary-gate', head_sha: FORK_HEAD }), 'https://docs.github.com/rest/checks/runs#create-a-check-run'],
      [forkToken().request('POST /repos/{owner}/{repo}/statuses/{sha}', { ...repo, sha: FORK_HEAD, state: 'success' }), 'https://docs.github.com/rest/commits/statuses#create-a-commit-status']
    ]
    for (const [attempt, doc] of attempts) {
      const err = await failure(attempt)
      expect(err.status).toBe(403)
      expect(err.message).toContain('Resource not accessible by integration')
      expect(err.data).toEqual({ message: 'Resource not accessible by integration', documentation_url: doc, status: '403' })
    }
    expect(gh.comments(9)).toEqual([])
  })

  it('says which permissions the endpoint accepts', async () => {
    const res = await raw('/repos/acme/voting-app/check-runs', { method: 'POST', token: FORK, body: { name: 'x', head_sha: FORK_HEAD } })
    expect(res.status).toBe(403)
    expect(res.headers.get('x-accepted-github-permissions')).toBe('checks=write')
  })

  it('a personal token cannot use the Checks API at all, and words its 403s for a personal token', async () => {
    const checks = await failure(octokit(PAT).request('POST /repos/{owner}/{repo}/check-runs', { ...repo, name: 'canary-gate', head_sha: HEAD }))
    expect(checks.status).toBe(403)
    expect(checks.data.message).toBe('You must authenticate via a GitHub App.')
    const status = await failure(octokit(PAT).request('POST /repos/{owner}/{repo}/statuses/{sha}', { ...repo, sha: HEAD, state: 'success' }))
    expect(status.data.message).toBe('Resource not accessible by personal access token')
  })
})

describe('issue comments', () => {
  it('pages 75 comments with GitHub\'s Link headers, and Octokit\'s paginate gets them all in order', async () => {
    const ids: number[] = []
    for (let i = 1; i <= 75; i++) {
      const user = i % 3 === 0 ? GITHUB_ACTIONS_BOT : { login: `dev${i % 4}`, type: 'User' as const }
      ids.push(gh.addComment(42, `comment ${i}`, user))
    }
    const all = await octokit().paginate('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...repo, issue_number: 42 })
    expect(all.map((c) => c.id)).toEqual(ids)
    expect(all[2]).toMatchObject({ body: 'comment 3', user: { login: BOT_LOGIN, type: 'Bot', id: 41898282 } })

    const { id } = await startGitHubRepoId()
    const base = `${gh.url}/repositories/${id}/issues/42/comments`
    const first = await raw('/repos/acme/voting-app/issues/42/comments')
    expect(first.json).toHaveLength(30)
    expect(first.headers.get('link')).toBe(`<${base}?page=2>; rel="next", <${base}?page=3>; rel="last"`)
    const middle = await raw(`/repositories/${id}/issues/42/comments?per_page=30&page=2`)
    expect(middle.json.map((c: { id: number }) => c.id)).toEqual(ids.slice(30, 60))
    expect(middle.headers.get('link')).toBe(
      `<${base}?per_page=30&page=1>; rel="prev", <${base}?per_page=30&page=3>; rel="next", <${base}?per_page=30&page=3>; rel="last", <${base}?per_page=30&page=1>; rel="first"`
    )
    const last = await raw('/repos/acme/voting-app/issues/42/comments?page=3')
    expect(last.json).toHaveLength(15)
    expect(last.headers.get('link')).toBe(`<${base}?page=2>; rel="prev", <${base}?page=1>; rel="first"`)
    // per_page is capped at 100; everything on one page means no Link header.
    const one = await raw('/repos/acme/voting-app/issues/42/comments?per_page=500')
    expect(one.json).toHaveLength(75)
    expect(one.headers.get('link')).toBeNull()
    // Octokit followed the Link URLs, on /repositories/{id}.
    expect(gh.requests.some((r) => r.path === `/repositories/${id}/issues/42/comments` && r.query === 'page=2')).toBe(true)
  })

  it('creates and updates a comment as the token\'s account', async () => {
    const { data: created, status } = await octokit().request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...repo, issue_number: 7, body: '<!-- canary-gate -->\nfirst' })
    expect(status).toBe(201)
    expect(created).toMatchObject({
      body: '<!-- canary-gate -->\nfirst',
      user: { login: BOT_LOGIN, type: 'Bot' },
      html_url: `https://github.com/acme/voting-app/pull/7#issuecomment-${created.id}`,
      url: `${gh.url}/repos/acme/voting-app/issues/comments/${created.id}`,
      author_association: 'NONE'
    })
    expect(created.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    const { data: updated } = await octokit().request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', { ...repo, comment_id: created.id, body: '<!-- canary-gate -->\nsecond' })
    expect(updated.body).toBe('<!-- canary-gate -->\nsecond')
    expect(updated.updated_at > created.updated_at).toBe(true)
    expect(gh.comments(7)).toEqual([{ id: created.id, body: '<!-- canary-gate -->\nsecond', user: { login: BOT_LOGIN, type: 'Bot' }, created_at: created.created_at, updated_at: updated.updated_at }])
  })

  it('answers 404 for an unknown issue or comment', async () => {
    const list = await failure(octokit().request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...repo, issue_number: 404 }))
    expect(list.status).toBe(404)
    expect(list.data).toEqual({ message: 'Not Found', documentation_url: 'https://docs.github.com/rest/issues/comments#list-issue-comments', status: '404' })
    const update = await failure(octokit().request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', { ...repo, comment_id: 1, body: 'x' }))
    expect(update.status).toBe(404)
    expect(update.data.documentation_url).toBe('https://docs.github.com/rest/issues/comments#update-an-issue-comment')
  })

  it('a plain issue needs issues: write; pull_requests: write is enough on a pull request', async () => {
    gh.addComment(3, 'an issue', { login: 'dev1', type: 'User' })
    const prOnly = { ...tokens[WRITE], permissions: { pull_requests: 'write' as const } }
    const emulator = await startGitHub({ tokens: { t: prOnly }, pulls: [{ number: 1, head: { sha: HEAD, ref: 'x' } }], issues: [2] })
    try {
      const client = getOctokit('t', { baseUrl: emulator.url })
      await expect(client.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...repo, issue_number: 1, body: 'ok' })).resolves.toMatchObject({ status: 201 })
      expect((await failure(client.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...repo, issue_number: 2, body: 'no' }))).status).toBe(403)
    } finally {
      await emulator.close()
    }
  })

  it('takes 65536 characters and refuses one more with GitHub\'s 422', async () => {
    await expect(octokit().request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...repo, issue_number: 7, body: 'x'.repeat(65536) })).resolves.toMatchObject({ status: 201 })
    // Characters, not UTF-16 units: 65536 emoji fit.
    await expect(octokit().request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...repo, issue_number: 7, body: '🐤'.repeat(65536) })).resolves.toMatchObject({ status: 201 })
    const tooLong = {
      message: 'Validation Failed',
      errors: [{ resource: 'IssueComment', code: 'unprocessable', field: 'data', message: 'Body is too long (maximum is 65536 characters)' }],
      documentation_url: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment',
      status: '422'
    }
    const create = await failure(octokit().request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...repo, issue_number: 7, body: 'x'.repeat(65537) }))
    expect(create.status).toBe(422)
    expect(create.data).toEqual(tooLong)
    const id = gh.comments(7)[0].id
    const update = await failure(octokit().request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', { ...repo, comment_id: id, body: 'x'.repeat(65537) }))
    expect(update.data).toEqual({ ...tooLong, documentation_url: 'https://docs.github.com/rest/issues/comments#update-an-issue-comment' })
  })

  it('checks the body against the schema first', async () => {
    const missing = await raw('/repos/acme/voting-app/issues/7/comments', { method: 'POST', body: {} })
    expect(missing.status).toBe(422)
    expect(missing.json.message).toBe('Invalid request.\n\n"body" wasn\'t supplied.')
    const wrongType = await raw('/repos/acme/voting-app/issues/7/comments', { method: 'POST', body: { body: 42 } })
    expect(wrongType.json.message).toBe("Invalid request.\n\nFor 'properties/body', 42 is not a string.")
    const res = await fetch(`${gh.url}/repos/acme/voting-app/issues/7/comments`, { method: 'POST', headers: { authorization: `token ${WRITE}` }, body: '{"body":' })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { message: string }).message).toBe('Problems parsing JSON')
  })
})

/** The emulated repository's id, as GitHub's Link headers show it. */
async function startGitHubRepoId(): Promise<{ id: number }> {
  const { data } = await octokit().request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { ...repo, pull_number: 7 })
  return { id: Number(data.base.repo.id) }
}

describe('pull requests', () => {
  it('finds the PR of its head commit and of an earlier commit', async () => {
    for (const sha of [HEAD, EARLIER, HEAD.slice(0, 7)]) {
      const { data } = await octokit().request('GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls', { ...repo, commit_sha: sha })
      expect(data.map((p) => p.number)).toEqual([7])
    }
    const { data } = await octokit().request('GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls', { ...repo, commit_sha: HEAD })
    expect(data[0]).toMatchObject({ number: 7, state: 'open', title: 'Bump the canary', merged_at: null, head: { sha: HEAD, ref: 'canary-bump', repo: { full_name: 'acme/voting-app', fork: false } }, base: { ref: 'main' } })
  })

  it('finds the merged PR of a merge commit', async () => {
    const { data } = await octokit().request('GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls', { ...repo, commit_sha: MERGE_COMMIT })
    expect(data.map((p) => p.number)).toEqual([5])
    expect(data[0]).toMatchObject({ state: 'closed', merge_commit_sha: MERGE_COMMIT })
    expect(data[0].merged_at).toMatch(/Z$/)
  })

  it('answers [] for a commit without PRs, a branch name with its PRs, and 422 for something that is not a commit', async () => {
    expect((await octokit().request('GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls', { ...repo, commit_sha: UNKNOWN })).data).toEqual([])
    expect((await octokit().request('GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls', { ...repo, commit_sha: 'canary-bump' })).data.map((p) => p.number)).toEqual([7])
    const err = await failure(octokit().request('GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls', { ...repo, commit_sha: 'not-a-sha' }))
    expect(err.status).toBe(422)
    expect(err.data).toEqual({ message: 'No commit found for SHA: not-a-sha', documentation_url: 'https://docs.github.com/rest/commits/commits#list-pull-requests-associated-with-a-commit', status: '422' })
  })

  it('knows which commits exist when told, and answers others 422', async () => {
    const emulator = await startGitHub({ tokens, commits: [EARLIER] })
    try {
      const client = getOctokit(WRITE, { baseUrl: emulator.url })
      expect((await client.request('GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls', { ...repo, commit_sha: EARLIER })).data).toEqual([])
      expect((await failure(client.request('GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls', { ...repo, commit_sha: UNKNOWN }))).data.message).toBe(`No commit found for SHA: ${UNKNOWN}`)
      expect((await failure(client.request('POST /repos/{owner}/{repo}/check-runs', { ...repo, name: 'x', head_sha: UNKNOWN }))).status).toBe(422)
    } finally {
      await emulator.close()
    }
  })

  it('gets a PR, a fork\'s with its head repository', async () => {
    const { data } = await octokit().request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { ...repo, pull_number: 9 })
    expect(data).toMatchObject({ number: 9, state: 'open', merged: false, head: { sha: FORK_HEAD, ref: 'patch-1', label: 'contributor:patch-1', repo: { full_name: 'contributor/voting-app', fork: true } }, base: { repo: { full_name: 'acme/voting-app' } } })
    const err = await failure(octokit().request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { ...repo, pull_number: 404 }))
    expect(err.data).toEqual({ message: 'Not Found', documentation_url: 'https://docs.github.com/rest/pulls/pulls#get-a-pull-request', status: '404' })
  })
})

describe('check runs', () => {
  it('creates one in progress and completes it', async () => {
    const started = '2024-05-04T01:14:52Z'
    const { data: created, status } = await octokit().request('POST /repos/{owner}/{repo}/check-runs', {
      ...repo,
      name: 'canary-gate',
      head_sha: HEAD,
      status: 'in_progress',
      started_at: started,
      details_url: 'https://example.test/run/1',
      output: { title: 'Analysing', summary: 'step 1 of 4' }
    })
    expect(status).toBe(201)
    expect(created).toMatchObject({
      name: 'canary-gate',
      head_sha: HEAD,
      status: 'in_progress',
      conclusion: null,
      started_at: started,
      completed_at: null,
      details_url: 'https://example.test/run/1',
      html_url: `https://github.com/acme/voting-app/runs/${created.id}`,
      output: { title: 'Analysing', summary: 'step 1 of 4', text: null, annotations_count: 0 },
      app: { slug: 'github-actions' }
    })
    expect(created.pull_requests.map((p) => p.number)).toEqual([7])

    const { data: done } = await octokit().request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', { ...repo, check_run_id: created.id, status: 'completed', conclusion: 'failure', output: { title: 'Rolled back', summary: 'error rate 2.7%', text: 'details' } })
    expect(done).toMatchObject({ status: 'completed', conclusion: 'failure', output: { title: 'Rolled back', summary: 'error rate 2.7%', text: 'details' } })
    expect(done.completed_at).toMatch(/Z$/)
    expect(gh.checkRuns().find((r) => r.id === created.id)).toEqual({
      id: created.id,
      name: 'canary-gate',
      head_sha: HEAD,
      status: 'completed',
      conclusion: 'failure',
      output: { title: 'Rolled back', summary: 'error rate 2.7%', text: 'details' },
      details_url: 'https://example.test/run/1',
      started_at: started,
      completed_at: done.completed_at,
      updates: 1
    })
  })

  it('a conclusion alone completes the run', async () => {
    const { data } = await octokit().request('POST /repos/{owner}/{repo}/check-runs', { ...repo, name: 'quick', head_sha: HEAD, conclusion: 'success' })
    expect(data).toMatchObject({ status: 'completed', conclusion: 'success' })
    expect(data.completed_at).toMatch(/Z$/)
  })

  it('validates the body as GitHub does', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ head_sha: HEAD }, '"name" wasn\'t supplied.'],
      [{}, '"head_sha", "name" weren\'t supplied.'],
      [{ name: 'c', head_sha: HEAD, output: { title: 't' } }, '"summary" wasn\'t supplied.'],
      [{ name: 'c', head_sha: HEAD, output: { title: 't', summary: 's'.repeat(65536) } }, 'Only 65535 characters are allowed; 65536 were supplied.'],
      [{ name: 'c', head_sha: HEAD, output: { title: 't', summary: 's', text: 't'.repeat(70000) } }, 'Only 65535 characters are allowed; 70000 were supplied.'],
      [{ name: 'c', head_sha: HEAD, status: 'completed' }, 'No subschema in "anyOf" matched.\n"conclusion" wasn\'t supplied.\ncompleted is not a member of ["queued", "in_progress"].'],
      [{ name: 'c', head_sha: HEAD, status: 'queued', conclusion: 'great' }, 'great is not a member of ["action_required", "cancelled", "failure", "neutral", "success", "skipped", "stale", "timed_out"].'],
      [{ name: 'c', head_sha: HEAD, started_at: 'yesterday' }, 'yesterday is not a valid date-time.']
    ]
    for (const [body, message] of cases) {
      const res = await raw('/repos/acme/voting-app/check-runs', { method: 'POST', body })
      expect({ body, status: res.status, json: res.json }).toEqual({ body, status: 422, json: { message: `Invalid request.\n\n${message}`, documentation_url: 'https://docs.github.com/rest/checks/runs#create-a-check-run', status: '422' } })
    }
    const badStatus = await failure(octokit().request('POST /repos/{owner}/{repo}/check-runs', { ...repo, name: 'c', head_sha: HEAD, status: 'running' as 'queued' }))
    expect(badStatus.data.message).toContain('running is not a member of ["queued", "in_progress", "completed", "waiting", "requested", "pending"].')
  })

  it('counts the summary in bytes too: short enough in characters is not enough', async () => {
    const err = await failure(octokit().request('POST /repos/{owner}/{repo}/check-runs', { ...repo, name: 'c', head_sha: HEAD, output: { title: 't', summary: 'é'.repeat(40000) } }))
    expect(err.status).toBe(422)
    expect(err.data).toEqual({
      message: 'Validation Failed',
      errors: [{ resource: 'CheckRun', code: 'custom', field: 'summary', message: 'summary exceeds a maximum bytesize of 65535' }],
      documentation_url: 'https://docs.github.com/rest/checks/runs#create-a-check-run',
      status: '422'
    })
  })

  it('answers an update of an unknown run 404, and the update schema wants the conclusion of a completed run', async () => {
    const missing = await failure(octokit().request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', { ...repo, check_run_id: 1, status: 'in_progress' }))
    expect(missing.data).toEqual({ message: 'Not Found', documentation_url: 'https://docs.github.com/rest/checks/runs#update-a-check-run', status: '404' })
    const { data } = await octokit().request('POST /repos/{owner}/{repo}/check-runs', { ...repo, name: 'u', head_sha: HEAD })
    expect(data.status).toBe('queued')
    const err = await failure(octokit().request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', { ...repo, check_run_id: data.id, status: 'completed' }))
    expect(err.status).toBe(422)
    expect(gh.checkRuns().find((r) => r.id === data.id)?.updates).toBe(0)
  })
})

describe('commit statuses', () => {
  it('creates statuses, "default" context unless named', async () => {
    const { data, status } = await octokit().request('POST /repos/{owner}/{repo}/statuses/{sha}', { ...repo, sha: HEAD, state: 'pending', context: 'canary-gate', description: 'Analysing', target_url: 'https://example.test/run/1' })
    expect(status).toBe(201)
    expect(data).toMatchObject({ state: 'pending', context: 'canary-gate', description: 'Analysing', target_url: 'https://example.test/run/1', creator: { login: BOT_LOGIN } })
    await octokit().request('POST /repos/{owner}/{repo}/statuses/{sha}', { ...repo, sha: HEAD, state: 'success' })
    expect(gh.statuses(HEAD)).toEqual([
      { id: data.id, state: 'pending', context: 'canary-gate', description: 'Analysing', target_url: 'https://example.test/run/1' },
      { id: data.id + 1, state: 'success', context: 'default' }
    ])
  })

  it('takes a 140-character description and refuses 141, and refuses an unknown state', async () => {
    await expect(octokit().request('POST /repos/{owner}/{repo}/statuses/{sha}', { ...repo, sha: HEAD, state: 'failure', description: 'd'.repeat(140) })).resolves.toMatchObject({ status: 201 })
    const long = await failure(octokit().request('POST /repos/{owner}/{repo}/statuses/{sha}', { ...repo, sha: HEAD, state: 'failure', description: 'd'.repeat(141) }))
    expect(long.status).toBe(422)
    expect(long.data).toEqual({
      message: 'Validation Failed',
      errors: [{ resource: 'Status', code: 'custom', field: 'description', message: 'description is too long (maximum is 140 characters)' }],
      documentation_url: 'https://docs.github.com/rest/commits/statuses#create-a-commit-status',
      status: '422'
    })
    const state = await failure(octokit().request('POST /repos/{owner}/{repo}/statuses/{sha}', { ...repo, sha: HEAD, state: 'cancelled' as 'error' }))
    expect(state.data.errors).toEqual([{ resource: 'Status', code: 'custom', field: 'state', message: 'state is not included in the list' }])
  })
})

describe('faults', () => {
  const list = (signal?: AbortSignal): Promise<unknown> => octokit().request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...repo, issue_number: 7, ...(signal ? { request: { signal } } : {}) })

  it('a status fault answers with that status, for `times` matching requests', async () => {
    gh.setFault({ kind: 'status', status: 500, message: 'Internal Server Error', method: 'GET', path: '/issues/7/comments', times: 2 })
    // Other requests are not touched, nor counted.
    await expect(octokit().request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { ...repo, pull_number: 7 })).resolves.toMatchObject({ status: 200 })
    expect((await failure(list())).status).toBe(500)
    const second = await failure(list())
    expect(second.data).toEqual({ message: 'Internal Server Error', documentation_url: 'https://docs.github.com/rest', status: '500' })
    await expect(list()).resolves.toMatchObject({ status: 200 })
  })

  it('matches paths by RegExp and sends extra headers', async () => {
    gh.setFault({ kind: 'status', status: 409, path: /check-runs$/, headers: { 'x-test': 'yes' }, times: 1 })
    const err = await failure(octokit().request('POST /repos/{owner}/{repo}/check-runs', { ...repo, name: 'c', head_sha: HEAD }))
    expect(err.status).toBe(409)
    expect(err.headers['x-test']).toBe('yes')
    gh.setFault(null)
  })

  it('primary rate limit: 403 with x-ratelimit-remaining 0 and the reset time', async () => {
    gh.setFault({ kind: 'rate-limit', times: 1 })
    const err = await failure(list())
    expect(err.status).toBe(403)
    expect(err.data).toEqual({ message: expect.stringMatching(/^API rate limit exceeded for installation ID \d+\.$/), documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api', status: '403' })
    expect(err.headers['x-ratelimit-remaining']).toBe('0')
    expect(err.headers['x-ratelimit-used']).toBe('1000')
    expect(Number(err.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() / 1000)
  })

  it('secondary rate limit: 403 with retry-after and GitHub\'s message', async () => {
    gh.setFault({ kind: 'secondary-rate-limit', times: 1 })
    const err = await failure(list())
    expect(err.status).toBe(403)
    expect(err.data.message).toBe(
      `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${err.headers['x-github-request-id']}.`
    )
    expect(err.headers['retry-after']).toBe('60')
    expect(Number(err.headers['x-ratelimit-remaining'])).toBeGreaterThan(0)
  })

  it('outage: 503 by default, 502 "Server Error", or the front end\'s HTML page', async () => {
    gh.setFault({ kind: 'outage', times: 1 })
    const unavailable = await failure(list())
    expect(unavailable.status).toBe(503)
    expect(unavailable.data.message).toMatch(/^No server is currently available to service your request/)

    gh.setFault({ kind: 'outage', status: 502, times: 1 })
    const bad = await raw('/repos/acme/voting-app/pulls/7')
    expect(bad.status).toBe(502)
    expect(bad.text).toBe('{\n  "message": "Server Error"\n}\n')
    expect(bad.headers.get('x-ratelimit-limit')).toBeNull()

    gh.setFault({ kind: 'outage', status: 502, html: true, times: 1 })
    const html = await raw('/repos/acme/voting-app/pulls/7')
    expect(html.headers.get('content-type')).toMatch(/^text\/html/)
    expect(html.text).toContain('<title>Unicorn! &middot; GitHub</title>')
    await expect(list()).resolves.toMatchObject({ status: 200 })
  })

  it('hang: never answers, so the caller\'s timeout fires', async () => {
    gh.setFault({ kind: 'hang', times: 1 })
    const started = Date.now()
    await expect(list(AbortSignal.timeout(500))).rejects.toThrow()
    expect(Date.now() - started).toBeLessThan(3000)
    expect(gh.requests.at(-1)?.status).toBe(0)
    await expect(list()).resolves.toMatchObject({ status: 200 })
  })

  it('close() returns promptly while a request hangs', async () => {
    const emulator = await startGitHub({ tokens })
    emulator.setFault({ kind: 'hang' })
    const pending = fetch(`${emulator.url}/user`).catch((e: unknown) => e)
    await new Promise((r) => setTimeout(r, 100))
    const started = Date.now()
    await emulator.close()
    expect(Date.now() - started).toBeLessThan(1000)
    expect(await pending).toHaveProperty('message', 'fetch failed') // the socket was destroyed
  })
})

describe('recording', () => {
  it('records requests without the token', () => {
    const recorded = JSON.stringify(gh.requests)
    for (const token of [WRITE, FORK, PAT]) expect(recorded).not.toContain(token)
    const post = gh.requests.find((r) => r.method === 'POST' && r.path === '/repos/acme/voting-app/issues/7/comments')
    expect(post).toMatchObject({ token: '[redacted]', body: { body: expect.any(String) }, status: 201, query: '' })
    expect(gh.requests.find((r) => r.path === '/user' && r.token === undefined)?.status).toBe(401)
  })
})

describe('event payloads', () => {
  it('pull_request: head and base as GitHub nests them, a fork\'s head in its own repository', async () => {
    const event = pullRequestEvent({ owner: 'acme', repo: 'voting-app', number: 9, headSha: FORK_HEAD, fork: true }) as any
    expect(event).toMatchObject({ action: 'synchronize', number: 9, repository: { full_name: 'acme/voting-app', owner: { login: 'acme' } } })
    expect(event.pull_request).toMatchObject({ number: 9, head: { sha: FORK_HEAD, ref: 'feature', repo: { full_name: 'contributor/voting-app', fork: true } }, base: { ref: 'main', repo: { full_name: 'acme/voting-app', fork: false } } })
    // The payload and the emulator agree on the repository's id.
    expect(event.repository.id).toBe((await startGitHubRepoId()).id)
  })

  it('push and workflow_dispatch', () => {
    expect(pushEvent({ owner: 'acme', repo: 'voting-app', after: HEAD })).toMatchObject({ ref: 'refs/heads/main', after: HEAD, head_commit: { id: HEAD }, repository: { name: 'voting-app' } })
    expect(workflowDispatchEvent({ owner: 'acme', repo: 'voting-app', inputs: { step: '2' } })).toMatchObject({
      ref: 'refs/heads/main',
      inputs: { step: '2' },
      workflow: '.github/workflows/canary.yml',
      repository: { full_name: 'acme/voting-app' }
    })
  })
})
