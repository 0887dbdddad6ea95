// A GitHub REST API emulator on loopback, for tests and the demo: it answers the endpoints the action
// calls (issue comments, commits/{sha}/pulls, pulls, check runs, commit statuses, /user) with the
// status codes, bodies and headers api.github.com sends — error wording included — so Octokit's real
// HTTP path runs against it. It can also fail as GitHub does: a fork's read-only token, rate limits,
// outages and requests that never answer.
//
// Facts about the real API it follows (each seen in real responses):
// - errors are {"message","documentation_url","status":"<code>"}; validation errors add "errors";
// - a token without the permission gets 403 "Resource not accessible by integration" (an installation
//   token such as GITHUB_TOKEN) or "… by personal access token"; a personal token creating a check run
//   gets 403 "You must authenticate via a GitHub App.";
// - list endpoints page with a Link header on /repositories/{id}/…, rel order prev, next, last, first;
// - bodies failing the JSON schema answer 422 "Invalid request.\n\n…" (see schema.ts).
import { createServer, STATUS_CODES } from 'node:http'
import { closeServer, closingSignal, listen, readBody } from '../http.js'
import {
  CHECK_RUN_CREATE,
  CHECK_RUN_UPDATE,
  CHECK_TEXT_MAX,
  COMMIT_STATUS,
  ISSUE_COMMENT,
  schemaErrors,
  type Schema
} from './schema.js'
import { accountId, fakeSha, isoSeconds, nodeId, repoId, repositoryJson, stableNumber, userJson, WEB, type AccountType } from './shapes.js'

export { pullRequestEvent, pushEvent, workflowDispatchEvent } from './events.js'
export type { PullRequestEventOptions, PushEventOptions, WorkflowDispatchEventOptions } from './events.js'

type Permission = 'read' | 'write'

export interface TokenInfo {
  /** The account the token acts as: 'github-actions[bot]' (type 'Bot') for GITHUB_TOKEN, or a user. */
  login: string
  type: 'Bot' | 'User'
  /** Installation tokens (GITHUB_TOKEN, GitHub Apps) cannot call GET /user (403). */
  installation: boolean
  permissions: { issues?: Permission; pull_requests?: Permission; checks?: Permission; statuses?: Permission; contents?: Permission }
}

export interface PullRequestSeed {
  number: number
  state?: 'open' | 'closed'
  merged?: boolean
  head: { sha: string; ref: string; repoFullName?: string /* a fork's full name when the PR comes from a fork */ }
  base?: { ref: string }
  merge_commit_sha?: string
  /** Commits that belong to the PR (head and earlier), for GET /repos/{o}/{r}/commits/{sha}/pulls; merge_commit_sha belongs to it too once merged. */
  commits?: string[]
  title?: string
}

export type GitHubFault = {
  /** Which requests: method and a path pattern (substring or RegExp on the path without query). */
  method?: string
  path?: string | RegExp
  /** How many matching requests fail; forever when absent. */
  times?: number
} & (
  | { kind: 'status'; status: number; message?: string; headers?: Record<string, string> }
  /** 403 primary rate limit: x-ratelimit-remaining: 0, x-ratelimit-reset, "API rate limit exceeded for installation ID …". */
  | { kind: 'rate-limit' }
  /** 403 with retry-after and "You have exceeded a secondary rate limit…". */
  | { kind: 'secondary-rate-limit'; retryAfterSeconds?: number }
  /** 503 "No server is currently available…" (default), 502 "Server Error"; html: the front end's HTML page instead. */
  | { kind: 'outage'; status?: 502 | 503; html?: boolean }
  | { kind: 'hang' }
)

export interface RecordedRequest {
  method: string
  /** The path without the query string. */
  path: string
  /** The query string without '?' ('' when none). */
  query: string
  /** "[redacted]" when an Authorization header was sent — never the token. */
  token?: string
  /** The JSON body parsed, or its text when it is not JSON; absent when empty. */
  body?: unknown
  /** The status answered; 0 while unanswered (a hang). */
  status: number
  /** Epoch ms when the request arrived. */
  time: number
}

export interface EmulatedComment {
  id: number
  body: string
  user: { login: string; type: string }
  created_at: string
  updated_at: string
}

export interface EmulatedCheckRun {
  id: number
  name: string
  head_sha: string
  status: string
  conclusion: string | null
  output: { title?: string; summary?: string; text?: string }
  details_url?: string
  started_at?: string
  completed_at?: string
  /** Successful PATCHes. */
  updates: number
}

export interface EmulatedStatus {
  id: number
  state: string
  context: string
  description?: string
  target_url?: string
}

export interface GitHubEmulator {
  /** http://127.0.0.1:PORT (no /api/v3 prefix: api.github.com style) */
  url: string
  owner: string
  repo: string
  requests: RecordedRequest[]
  /** Comments of an issue/PR, oldest first. */
  comments(issueNumber: number): EmulatedComment[]
  /** Seeds a comment written by someone else (or by the bot), e.g. to test finding the sticky one among many; the issue then exists. Returns its id. */
  addComment(issueNumber: number, body: string, user: { login: string; type: 'Bot' | 'User' }): number
  checkRuns(): EmulatedCheckRun[]
  statuses(sha: string): EmulatedStatus[]
  setFault(fault: GitHubFault | null): void
  close(): Promise<void>
}

export interface GitHubOptions {
  /** Default 'acme'. */
  owner?: string
  /** Default 'voting-app'. */
  repo?: string
  /** Accepted tokens (the Authorization header's value without "token "/"Bearer "). */
  tokens: Record<string, TokenInfo>
  pulls?: PullRequestSeed[]
  /** Page size when a list request has no per_page (GitHub's is 30; at most 100 either way). */
  perPageDefault?: number
  /** Plain issues that exist besides the pull requests (comments on others answer 404). */
  issues?: number[]
  /**
   * Every other commit of the repository. When given, a sha in none of them nor in a PR answers 422
   * "No commit found for SHA: …", as GitHub does; when absent, any well-formed sha exists.
   */
  commits?: string[]
}

export const GITHUB_ACTIONS_BOT: { login: 'github-actions[bot]'; type: 'Bot' } = { login: 'github-actions[bot]', type: 'Bot' }

const DOCS = 'https://docs.github.com/rest'
const DOC = {
  user: `${DOCS}/users/users#get-the-authenticated-user`,
  listComments: `${DOCS}/issues/comments#list-issue-comments`,
  createComment: `${DOCS}/issues/comments#create-an-issue-comment`,
  getComment: `${DOCS}/issues/comments#get-an-issue-comment`,
  updateComment: `${DOCS}/issues/comments#update-an-issue-comment`,
  commitPulls: `${DOCS}/commits/commits#list-pull-requests-associated-with-a-commit`,
  getPull: `${DOCS}/pulls/pulls#get-a-pull-request`,
  createCheckRun: `${DOCS}/checks/runs#create-a-check-run`,
  getCheckRun: `${DOCS}/checks/runs#get-a-check-run`,
  updateCheckRun: `${DOCS}/checks/runs#update-a-check-run`,
  createStatus: `${DOCS}/commits/statuses#create-a-commit-status`
}
const RATE_LIMIT_DOC = `${DOCS}/overview/rate-limits-for-the-rest-api`
const SECONDARY_RATE_LIMIT_DOC = 'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits'
const NO_SERVER =
  'No server is currently available to service your request. Sorry about that. Please try resubmitting your request and contact us if the problem persists.'

/** An issue comment's body: "Body is too long (maximum is 65536 characters)". */
export const COMMENT_BODY_MAX = 65536
/** A commit status's description: "description is too long (maximum is 140 characters)". */
export const STATUS_DESCRIPTION_MAX = 140
const STATUS_STATES = ['error', 'failure', 'pending', 'success']
const INSTALLATION_ID = 52_817_394
/** The GitHub Actions app, which owns GITHUB_TOKEN's check runs. */
const ACTIONS_APP = { id: 15368, slug: 'github-actions', node_id: 'MDM6QXBwMTUzNjg=', name: 'GitHub Actions' }

type Answer = { status: number; headers: Record<string, string>; body: string }
type Json = Record<string, unknown>

function json(status: number, value: unknown, headers: Record<string, string> = {}): Answer {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(value) }
}

/** GitHub's error body; key order as GitHub sends it. */
function apiError(status: number, message: string, doc: string, errors?: object[]): Answer {
  return json(status, { message, ...(errors ? { errors } : {}), documentation_url: doc, status: String(status) })
}

const notFound = (doc = DOCS): Answer => apiError(404, 'Not Found', doc)
const invalidRequest = (errors: string[], doc: string): Answer => apiError(422, `Invalid request.\n\n${errors.join('\n')}`, doc)
const validationFailed = (errors: object[], doc: string): Answer => apiError(422, 'Validation Failed', doc, errors)
const noCommit = (sha: string, doc: string): Answer => apiError(422, `No commit found for SHA: ${sha}`, doc)

function forbidden(token: TokenInfo, doc: string): Answer {
  return apiError(403, `Resource not accessible by ${token.installation ? 'integration' : 'personal access token'}`, doc)
}

/** Characters as Ruby counts them (code points), which is how GitHub's length limits count. */
const charCount = (s: string): number => [...s].length

function parseJson(raw: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(raw) }
  } catch {
    return { ok: false }
  }
}

function matchesPath(pattern: string | RegExp, path: string): boolean {
  if (typeof pattern === 'string') return path.includes(pattern)
  pattern.lastIndex = 0 // a /g or /y RegExp keeps state between test() calls
  return pattern.test(path)
}

/** A sha (or an abbreviation of at least 7 hex digits) names `full`. */
function sameCommit(sha: string, full: string | undefined): boolean {
  if (!full || !/^[0-9a-f]{7,40}$/i.test(sha)) return false
  return full.toLowerCase().startsWith(sha.toLowerCase())
}

interface CommentState {
  id: number
  issue: number
  body: string
  user: { login: string; type: AccountType }
  createdMs: number
  updatedMs: number
}

interface CheckRunState {
  id: number
  name: string
  head_sha: string
  external_id: string
  status: string
  conclusion: string | null
  details_url: string | null
  started_at: string | null
  completed_at: string | null
  output: { title: string | null; summary: string | null; text: string | null }
  updates: number
}

interface StatusState {
  id: number
  sha: string
  state: string
  context: string
  description: string | null
  target_url: string | null
  created_at: string
  creator: TokenInfo
}

interface Call {
  /** The path after /repos/{o}/{r} or /repositories/{id} ('/user' for the top-level route). */
  path: string
  match: RegExpExecArray
  query: URLSearchParams
  body: Json
  token: TokenInfo
}

interface Route {
  method: string
  pattern: RegExp
  doc: string
  /** x-accepted-github-permissions: alternatives separated by "; ". */
  accepts: string
  repoScoped: boolean
  handle(call: Call): Answer
}

export async function startGitHub(options: GitHubOptions): Promise<GitHubEmulator> {
  const owner = options.owner ?? 'acme'
  const repo = options.repo ?? 'voting-app'
  const fullName = `${owner}/${repo}`
  const id = repoId(fullName)
  const perPageDefault = options.perPageDefault ?? 30
  const pulls = [...(options.pulls ?? [])]
  const knownCommits = options.commits
  const startedMs = Date.now()
  const rateReset = Math.floor(startedMs / 1000) + 3600
  const rateUsed = new Map<string, number>()
  const closing = closingSignal()
  const requests: RecordedRequest[] = []
  const comments: CommentState[] = []
  const issues = new Set<number>([...pulls.map((p) => p.number), ...(options.issues ?? [])])
  const checkRuns: CheckRunState[] = []
  const statuses: StatusState[] = []
  let fault: GitHubFault | null = null
  let nextCommentId = 1_900_000_001
  let nextCheckRunId = 21_000_000_001
  let nextStatusId = 30_000_000_001
  let requestCount = 0
  let url = ''

  const repoPath = `/repos/${fullName}`
  const pullOf = (n: number): PullRequestSeed | undefined => pulls.find((p) => p.number === n)
  const can = (token: TokenInfo, permission: keyof TokenInfo['permissions']): boolean => token.permissions[permission] === 'write'

  // ---- JSON shapes ----

  const accountJson = (login: string, type: AccountType): Json => userJson(url, login, type)

  function commentJson(c: CommentState): Json {
    return {
      url: `${url}${repoPath}/issues/comments/${c.id}`,
      html_url: `${WEB}/${fullName}/${pullOf(c.issue) ? 'pull' : 'issues'}/${c.issue}#issuecomment-${c.id}`,
      issue_url: `${url}${repoPath}/issues/${c.issue}`,
      id: c.id,
      node_id: nodeId('IssueComment', c.id),
      user: accountJson(c.user.login, c.user.type),
      created_at: isoSeconds(c.createdMs),
      updated_at: isoSeconds(c.updatedMs),
      author_association: c.user.login.toLowerCase() === owner.toLowerCase() ? 'OWNER' : 'NONE',
      body: c.body,
      performed_via_github_app: null
    }
  }

  function headFullName(p: PullRequestSeed): string {
    return p.head.repoFullName ?? fullName
  }

  function isFork(p: PullRequestSeed): boolean {
    return headFullName(p).toLowerCase() !== fullName.toLowerCase()
  }

  /** "Pull Request Simple" (lists); `full` adds the fields only GET /pulls/{n} has. */
  function pullJson(p: PullRequestSeed, full: boolean): Json {
    const pullId = stableNumber(`pull:${fullName}#${p.number}`, 1_000_000_000, 1_000_000_000)
    const merged = p.merged === true
    const state = merged ? 'closed' : (p.state ?? 'open')
    const headOwner = headFullName(p).split('/')[0]
    const author = isFork(p) ? headOwner : 'octocat'
    const baseRef = p.base?.ref ?? 'main'
    const created = isoSeconds(startedMs)
    const simple: Json = {
      url: `${url}${repoPath}/pulls/${p.number}`,
      id: pullId,
      node_id: nodeId('PullRequest', pullId),
      html_url: `${WEB}/${fullName}/pull/${p.number}`,
      diff_url: `${WEB}/${fullName}/pull/${p.number}.diff`,
      patch_url: `${WEB}/${fullName}/pull/${p.number}.patch`,
      issue_url: `${url}${repoPath}/issues/${p.number}`,
      number: p.number,
      state,
      locked: false,
      title: p.title ?? `Change #${p.number}`,
      user: accountJson(author, 'User'),
      body: null,
      labels: [],
      created_at: created,
      updated_at: created,
      closed_at: state === 'closed' ? created : null,
      merged_at: merged ? created : null,
      // An open PR has a test merge commit; GitHub names it here too.
      merge_commit_sha: p.merge_commit_sha ?? fakeSha(`test-merge:${fullName}#${p.number}`),
      assignees: [],
      requested_reviewers: [],
      draft: false,
      head: {
        label: `${headOwner}:${p.head.ref}`,
        ref: p.head.ref,
        sha: p.head.sha,
        user: accountJson(headOwner, isFork(p) ? 'User' : 'Organization'),
        repo: repositoryJson(url, headFullName(p), isFork(p))
      },
      base: {
        label: `${owner}:${baseRef}`,
        ref: baseRef,
        sha: fakeSha(`${fullName}@${baseRef}`),
        user: accountJson(owner, 'Organization'),
        repo: repositoryJson(url, fullName)
      },
      author_association: isFork(p) ? 'CONTRIBUTOR' : 'MEMBER',
      auto_merge: null
    }
    if (!full) return simple
    return { ...simple, merged, mergeable: merged ? null : true, mergeable_state: merged ? 'unknown' : 'clean', merged_by: merged ? accountJson('octocat', 'User') : null, commits: p.commits?.length ?? 1 }
  }

  function checkRunJson(r: CheckRunState): Json {
    const htmlUrl = `${WEB}/${fullName}/runs/${r.id}`
    const apiUrl = `${url}${repoPath}/check-runs/${r.id}`
    return {
      id: r.id,
      name: r.name,
      node_id: nodeId('CheckRun', r.id),
      head_sha: r.head_sha,
      external_id: r.external_id,
      url: apiUrl,
      html_url: htmlUrl,
      details_url: r.details_url ?? htmlUrl,
      status: r.status,
      conclusion: r.conclusion,
      started_at: r.started_at,
      completed_at: r.completed_at,
      output: { ...r.output, annotations_count: 0, annotations_url: `${apiUrl}/annotations` },
      check_suite: { id: stableNumber(`suite:${r.head_sha}`, 20_000_000_000, 1_000_000_000) },
      app: ACTIONS_APP,
      // "Pushes to a branch in a forked repository are not detected and return an empty pull_requests array."
      pull_requests: pulls
        .filter((p) => !isFork(p) && p.head.sha === r.head_sha && !p.merged && p.state !== 'closed')
        .map((p) => ({ url: `${url}${repoPath}/pulls/${p.number}`, id: pullJson(p, false).id, number: p.number, head: { ref: p.head.ref, sha: p.head.sha }, base: { ref: p.base?.ref ?? 'main' } }))
    }
  }

  function statusJson(s: StatusState): Json {
    return {
      url: `${url}${repoPath}/statuses/${s.sha}`,
      avatar_url: 'https://avatars.githubusercontent.com/in/15368?v=4',
      id: s.id,
      node_id: nodeId('StatusContext', s.id),
      state: s.state,
      description: s.description,
      target_url: s.target_url,
      context: s.context,
      created_at: s.created_at,
      updated_at: s.created_at,
      creator: accountJson(s.creator.login, s.creator.type)
    }
  }

  // ---- commits ----

  function pullsWithCommit(sha: string): PullRequestSeed[] {
    return pulls.filter(
      (p) => sameCommit(sha, p.head.sha) || (p.commits ?? []).some((c) => sameCommit(sha, c)) || (p.merged === true && sameCommit(sha, p.merge_commit_sha))
    )
  }

  function commitExists(sha: string): boolean {
    if (pullsWithCommit(sha).length > 0) return true
    if (knownCommits) return knownCommits.some((c) => sameCommit(sha, c))
    return /^[0-9a-f]{7,40}$/i.test(sha)
  }

  // ---- handlers ----

  function listComments(call: Call): Answer {
    const issue = Number(call.match[1])
    if (!issues.has(issue)) return notFound(DOC.listComments)
    const all = comments.filter((c) => c.issue === issue)
    const asked = Number.parseInt(call.query.get('per_page') ?? '', 10)
    const perPage = Math.min(100, asked >= 1 ? asked : perPageDefault)
    const askedPage = Number.parseInt(call.query.get('page') ?? '', 10)
    const page = askedPage >= 1 ? askedPage : 1
    const last = Math.max(1, Math.ceil(all.length / perPage))
    const link = linkHeader(`/repositories/${id}${call.path}`, call.query, page, last)
    return json(200, all.slice((page - 1) * perPage, page * perPage).map(commentJson), link ? { link } : {})
  }

  /** GitHub's Link header: absolute URLs on /repositories/{id}, the query kept in order with page set. */
  function linkHeader(path: string, query: URLSearchParams, page: number, last: number): string | undefined {
    if (last <= 1 && page <= 1) return undefined
    const at = (p: number): string => {
      const q = new URLSearchParams(query)
      q.set('page', String(p)) // in place when present, appended otherwise
      return `<${url}${path}?${q}>`
    }
    const links: string[] = []
    if (page > 1) links.push(`${at(Math.min(page - 1, last))}; rel="prev"`)
    if (page < last) links.push(`${at(page + 1)}; rel="next"`, `${at(last)}; rel="last"`)
    if (page > 1) links.push(`${at(1)}; rel="first"`)
    return links.join(', ')
  }

  /** Issue comments need issues: write; on a pull request pull_requests: write will do. */
  function mayComment(token: TokenInfo, issue: number | undefined): boolean {
    return can(token, 'issues') || (can(token, 'pull_requests') && (issue === undefined || pullOf(issue) !== undefined))
  }

  function commentBodyProblem(body: Json, doc: string): Answer | undefined {
    const errors = schemaErrors(ISSUE_COMMENT, body)
    if (errors.length > 0) return invalidRequest(errors, doc)
    if (charCount(body.body as string) > COMMENT_BODY_MAX) {
      return validationFailed([{ resource: 'IssueComment', code: 'unprocessable', field: 'data', message: `Body is too long (maximum is ${COMMENT_BODY_MAX} characters)` }], doc)
    }
    return undefined
  }

  function createComment(call: Call): Answer {
    const issue = Number(call.match[1])
    if (!mayComment(call.token, issue)) return forbidden(call.token, DOC.createComment)
    if (!issues.has(issue)) return notFound(DOC.createComment)
    const problem = commentBodyProblem(call.body, DOC.createComment)
    if (problem) return problem
    const now = Date.now()
    const c: CommentState = { id: nextCommentId++, issue, body: call.body.body as string, user: { login: call.token.login, type: call.token.type }, createdMs: now, updatedMs: now }
    comments.push(c)
    const body = commentJson(c)
    return json(201, body, { location: body.url as string })
  }

  function getComment(call: Call): Answer {
    const c = comments.find((x) => x.id === Number(call.match[1]))
    return c ? json(200, commentJson(c)) : notFound(DOC.getComment)
  }

  function updateComment(call: Call): Answer {
    const c = comments.find((x) => x.id === Number(call.match[1]))
    if (!mayComment(call.token, c?.issue)) return forbidden(call.token, DOC.updateComment)
    if (!c) return notFound(DOC.updateComment)
    const problem = commentBodyProblem(call.body, DOC.updateComment)
    if (problem) return problem
    c.body = call.body.body as string
    // At least a second later, so an update always shows in the second-resolution updated_at.
    c.updatedMs = Math.max(Date.now(), Math.floor(c.updatedMs / 1000) * 1000 + 1000)
    return json(200, commentJson(c))
  }

  function commitPulls(call: Call): Answer {
    const sha = decodeURIComponent(call.match[1])
    const found = pullsWithCommit(sha)
    if (found.length > 0) {
      // "Lists the merged pull request that introduced the commit to the repository. If the commit is
      // not present in the default branch, it will return merged and open pull requests associated with the commit."
      const merged = found.filter((p) => p.merged === true)
      return json(200, (merged.length > 0 ? merged : found).map((p) => pullJson(p, false)))
    }
    // "To list the open or merged pull requests associated with a branch, set commit_sha to the branch name."
    const byBranch = pulls.filter((p) => !isFork(p) && p.head.ref === sha)
    if (byBranch.length > 0) return json(200, byBranch.map((p) => pullJson(p, false)))
    if (!commitExists(sha)) return noCommit(sha, DOC.commitPulls)
    return json(200, [])
  }

  function getPull(call: Call): Answer {
    const p = pullOf(Number(call.match[1]))
    return p ? json(200, pullJson(p, true)) : notFound(DOC.getPull)
  }

  /** Schema errors, then the byte limits GitHub checks after the character limits pass. */
  function checkRunProblem(schema: Schema, body: Json, doc: string): Answer | undefined {
    const errors = schemaErrors(schema, body)
    if (errors.length > 0) return invalidRequest(errors, doc)
    const output = (body.output ?? {}) as Json
    const tooBig = (['summary', 'text'] as const).filter((field) => typeof output[field] === 'string' && Buffer.byteLength(output[field] as string) > CHECK_TEXT_MAX)
    if (tooBig.length > 0) {
      return validationFailed(tooBig.map((field) => ({ resource: 'CheckRun', code: 'custom', field, message: `${field} exceeds a maximum bytesize of ${CHECK_TEXT_MAX}` })), doc)
    }
    return undefined
  }

  function mayWriteChecks(token: TokenInfo, doc: string): Answer | undefined {
    // The Checks API is for GitHub Apps only: a personal token never gets there, whatever its scopes.
    if (!token.installation) return apiError(403, 'You must authenticate via a GitHub App.', doc)
    return can(token, 'checks') ? undefined : forbidden(token, doc)
  }

  function applyCheckRun(run: CheckRunState, body: Json): void {
    const now = isoSeconds(Date.now())
    if (typeof body.name === 'string') run.name = body.name
    if (typeof body.details_url === 'string') run.details_url = body.details_url
    if (typeof body.external_id === 'string') run.external_id = body.external_id
    if (typeof body.started_at === 'string') run.started_at = body.started_at
    if (typeof body.completed_at === 'string') run.completed_at = body.completed_at
    if (typeof body.status === 'string') run.status = body.status
    // "Providing conclusion will automatically set the status parameter to completed."
    if (typeof body.conclusion === 'string') {
      run.conclusion = body.conclusion
      run.status = 'completed'
    }
    if (run.status === 'completed' && run.completed_at === null) run.completed_at = now
    const output = body.output as Json | undefined
    if (output) {
      run.output = {
        title: (output.title as string | undefined) ?? run.output.title,
        summary: output.summary as string,
        text: (output.text as string | undefined) ?? run.output.text
      }
    }
  }

  function createCheckRun(call: Call): Answer {
    const denied = mayWriteChecks(call.token, DOC.createCheckRun)
    if (denied) return denied
    const problem = checkRunProblem(CHECK_RUN_CREATE, call.body, DOC.createCheckRun)
    if (problem) return problem
    const headSha = call.body.head_sha as string
    if (!commitExists(headSha)) return noCommit(headSha, DOC.createCheckRun)
    const run: CheckRunState = {
      id: nextCheckRunId++,
      name: '',
      head_sha: headSha,
      external_id: '',
      status: 'queued',
      conclusion: null,
      details_url: null,
      started_at: isoSeconds(Date.now()),
      completed_at: null,
      output: { title: null, summary: null, text: null },
      updates: 0
    }
    applyCheckRun(run, call.body)
    checkRuns.push(run)
    const body = checkRunJson(run)
    return json(201, body, { location: body.url as string })
  }

  function getCheckRun(call: Call): Answer {
    const run = checkRuns.find((r) => r.id === Number(call.match[1]))
    return run ? json(200, checkRunJson(run)) : notFound(DOC.getCheckRun)
  }

  function updateCheckRun(call: Call): Answer {
    const denied = mayWriteChecks(call.token, DOC.updateCheckRun)
    if (denied) return denied
    const run = checkRuns.find((r) => r.id === Number(call.match[1]))
    if (!run) return notFound(DOC.updateCheckRun)
    const problem = checkRunProblem(CHECK_RUN_UPDATE, call.body, DOC.updateCheckRun)
    if (problem) return problem
    applyCheckRun(run, call.body)
    run.updates++
    return json(200, checkRunJson(run))
  }

  function createStatus(call: Call): Answer {
    if (!can(call.token, 'statuses')) return forbidden(call.token, DOC.createStatus)
    const errors = schemaErrors(COMMIT_STATUS, call.body)
    if (errors.length > 0) return invalidRequest(errors, DOC.createStatus)
    const sha = decodeURIComponent(call.match[1])
    if (!commitExists(sha)) return noCommit(sha, DOC.createStatus)
    const { state, description, target_url, context } = call.body as { state: string; description?: string | null; target_url?: string | null; context?: string }
    const invalid: object[] = []
    if (!STATUS_STATES.includes(state)) invalid.push({ resource: 'Status', code: 'custom', field: 'state', message: 'state is not included in the list' })
    if (typeof description === 'string' && charCount(description) > STATUS_DESCRIPTION_MAX) {
      invalid.push({ resource: 'Status', code: 'custom', field: 'description', message: `description is too long (maximum is ${STATUS_DESCRIPTION_MAX} characters)` })
    }
    if (invalid.length > 0) return validationFailed(invalid, DOC.createStatus)
    const s: StatusState = {
      id: nextStatusId++,
      sha: sha.toLowerCase(),
      state,
      context: context ?? 'default',
      description: description ?? null,
      target_url: target_url ?? null,
      created_at: isoSeconds(Date.now()),
      creator: call.token
    }
    statuses.push(s)
    return json(201, statusJson(s), { location: `${url}${repoPath}/statuses/${s.sha}` })
  }

  function getUser(call: Call): Answer {
    if (call.token.installation) return forbidden(call.token, DOC.user)
    return json(200, { ...accountJson(call.token.login, call.token.type), name: null, company: null, blog: '', location: null, email: null, bio: null, public_repos: 1, created_at: isoSeconds(startedMs) })
  }

  const comment = 'issues=write; pull_requests=write'
  const routes: Route[] = [
    { method: 'GET', pattern: /^\/user$/, doc: DOC.user, accepts: '', repoScoped: false, handle: getUser },
    { method: 'GET', pattern: /^\/issues\/(\d+)\/comments$/, doc: DOC.listComments, accepts: 'issues=read; pull_requests=read', repoScoped: true, handle: listComments },
    { method: 'POST', pattern: /^\/issues\/(\d+)\/comments$/, doc: DOC.createComment, accepts: comment, repoScoped: true, handle: createComment },
    { method: 'GET', pattern: /^\/issues\/comments\/(\d+)$/, doc: DOC.getComment, accepts: 'issues=read; pull_requests=read', repoScoped: true, handle: getComment },
    { method: 'PATCH', pattern: /^\/issues\/comments\/(\d+)$/, doc: DOC.updateComment, accepts: comment, repoScoped: true, handle: updateComment },
    { method: 'GET', pattern: /^\/commits\/([^/]+)\/pulls$/, doc: DOC.commitPulls, accepts: 'contents=read; pull_requests=read', repoScoped: true, handle: commitPulls },
    { method: 'GET', pattern: /^\/pulls\/(\d+)$/, doc: DOC.getPull, accepts: 'pull_requests=read', repoScoped: true, handle: getPull },
    { method: 'POST', pattern: /^\/check-runs$/, doc: DOC.createCheckRun, accepts: 'checks=write', repoScoped: true, handle: createCheckRun },
    { method: 'GET', pattern: /^\/check-runs\/(\d+)$/, doc: DOC.getCheckRun, accepts: 'checks=read', repoScoped: true, handle: getCheckRun },
    { method: 'PATCH', pattern: /^\/check-runs\/(\d+)$/, doc: DOC.updateCheckRun, accepts: 'checks=write', repoScoped: true, handle: updateCheckRun },
    { method: 'POST', pattern: /^\/statuses\/([^/]+)$/, doc: DOC.createStatus, accepts: 'statuses=write', repoScoped: true, handle: createStatus }
  ]

  // ---- plumbing: auth, rate-limit headers, faults ----

  function requestId(): string {
    const n = ++requestCount
    const hex = (v: number, width: number): string => v.toString(16).toUpperCase().padStart(width, '0')
    return `${hex(0xa11c, 4)}:${hex(id & 0xffff, 4)}:${hex(n, 6)}:${hex(n * 7, 7)}:${hex(Math.floor(startedMs / 1000), 8)}`
  }

  function rateLimitOf(token: TokenInfo | undefined): number {
    if (!token) return 60 // unauthenticated
    return token.login === GITHUB_ACTIONS_BOT.login ? 1000 : 5000 // GITHUB_TOKEN: 1,000 an hour per repository
  }

  function rateHeaders(key: string, token: TokenInfo | undefined, exhausted = false): Record<string, string> {
    const limit = rateLimitOf(token)
    const used = exhausted ? limit : Math.min(limit, rateUsed.get(key) ?? 0)
    return {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(limit - used),
      'x-ratelimit-reset': String(rateReset),
      'x-ratelimit-used': String(used),
      'x-ratelimit-resource': 'core'
    }
  }

  function credentials(header: string | undefined): { key: string; token?: TokenInfo; sent: boolean } {
    if (header === undefined) return { key: '', sent: false }
    const m = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header)
    const token = m ? options.tokens[m[1]] : undefined
    return token && m ? { key: m[1], token, sent: true } : { key: '', sent: true }
  }

  function resolve(method: string, path: string): { route?: Route; rest: string; ours: boolean } {
    let rest = path
    let ours = true
    const byName = /^\/repos\/([^/]+)\/([^/]+)(\/.*)$/.exec(path)
    const byId = /^\/repositories\/(\d+)(\/.*)$/.exec(path)
    if (byName) {
      ours = `${byName[1]}/${byName[2]}`.toLowerCase() === fullName.toLowerCase() // names are case-insensitive
      rest = byName[3]
    } else if (byId) {
      ours = Number(byId[1]) === id
      rest = byId[2]
    }
    const scoped = byName !== null || byId !== null
    // GitHub answers a wrong method on a known path with 404 too.
    return { route: routes.find((r) => r.method === method && r.repoScoped === scoped && r.pattern.test(rest)), rest, ours }
  }

  function answerApi(method: string, target: URL, raw: string, authorization: string | undefined): Answer {
    const resolved = resolve(method, target.pathname)
    const route = resolved.ours ? resolved.route : undefined
    const auth = credentials(authorization)
    const base = { 'x-github-request-id': requestId(), 'x-github-media-type': 'github.v3; format=json', 'x-github-api-version-selected': '2022-11-28', server: 'github.com' }
    const finish = (a: Answer): Answer => ({
      ...a,
      headers: { ...a.headers, ...base, ...rateHeaders(auth.key, auth.token), ...(route?.accepts && auth.token ? { 'x-accepted-github-permissions': route.accepts } : {}) }
    })
    if (!auth.sent) return finish(apiError(401, 'Requires authentication', route?.doc ?? DOCS))
    if (!auth.token) return finish(apiError(401, 'Bad credentials', DOCS))
    rateUsed.set(auth.key, (rateUsed.get(auth.key) ?? 0) + 1)
    if (!route) return finish(notFound())
    let body: Json = {}
    if (raw.trim() !== '') {
      const parsed = parseJson(raw)
      if (!parsed.ok) return finish(apiError(400, 'Problems parsing JSON', route.doc))
      body = typeof parsed.value === 'object' && parsed.value !== null && !Array.isArray(parsed.value) ? (parsed.value as Json) : {}
    }
    const match = route.pattern.exec(resolved.rest) as RegExpExecArray
    return finish(route.handle({ path: resolved.rest, match, query: target.searchParams, body, token: auth.token }))
  }

  function takeFault(method: string, path: string): GitHubFault | null {
    const f = fault
    if (!f) return null
    if (f.method && f.method.toUpperCase() !== method) return null
    if (f.path !== undefined && !matchesPath(f.path, path)) return null
    if (f.times !== undefined && --f.times <= 0) fault = null
    return f
  }

  function answerFault(f: Exclude<GitHubFault, { kind: 'hang' }>, authorization: string | undefined): Answer {
    const auth = credentials(authorization)
    const base = { 'x-github-request-id': requestId() }
    switch (f.kind) {
      case 'status': {
        const a = apiError(f.status, f.message ?? STATUS_CODES[f.status] ?? 'Error', DOCS)
        return { ...a, headers: { ...a.headers, ...base, ...rateHeaders(auth.key, auth.token), ...f.headers } }
      }
      case 'rate-limit': {
        const who = !auth.token ? 'your IP address' : auth.token.installation ? `installation ID ${INSTALLATION_ID}` : `user ID ${accountId(auth.token.login)}`
        const a = apiError(403, `API rate limit exceeded for ${who}.`, RATE_LIMIT_DOC)
        return { ...a, headers: { ...a.headers, ...base, ...rateHeaders(auth.key, auth.token, true) } }
      }
      case 'secondary-rate-limit': {
        const message = `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${base['x-github-request-id']}.`
        const a = apiError(403, message, SECONDARY_RATE_LIMIT_DOC)
        return { ...a, headers: { ...a.headers, ...base, ...rateHeaders(auth.key, auth.token), 'retry-after': String(f.retryAfterSeconds ?? 60) } }
      }
      case 'outage': {
        // The front end answers these, without the API's rate-limit headers.
        const status = f.status ?? 503
        if (f.html) return { status, headers: { 'content-type': 'text/html; charset=utf-8', ...base }, body: unicornPage(status) }
        // 502 bodies are pretty-printed JSON without a charset, as GitHub's load balancer sends them.
        if (status === 502) return { status, headers: { 'content-type': 'application/json', ...base }, body: '{\n  "message": "Server Error"\n}\n' }
        return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...base }, body: JSON.stringify({ message: NO_SERVER }) }
      }
    }
  }

  const server = createServer(async (req, res) => {
    const raw = await readBody(req).catch(() => '')
    const method = (req.method ?? 'GET').toUpperCase()
    const target = new URL(req.url ?? '/', 'http://127.0.0.1')
    const record: RecordedRequest = { method, path: target.pathname, query: target.search.slice(1), status: 0, time: Date.now() }
    if (req.headers.authorization !== undefined) record.token = '[redacted]'
    if (raw !== '') {
      const parsed = parseJson(raw)
      record.body = parsed.ok ? parsed.value : raw
    }
    requests.push(record)

    const f = takeFault(method, target.pathname)
    if (f?.kind === 'hang' || closing.signal.aborted) return // close() destroys the socket
    const answer = f ? answerFault(f, req.headers.authorization) : answerApi(method, target, raw, req.headers.authorization)
    record.status = answer.status
    if (!res.destroyed) res.writeHead(answer.status, answer.headers).end(answer.body)
  })

  const port = await listen(server)
  url = `http://127.0.0.1:${port}`
  return {
    url,
    owner,
    repo,
    requests,
    comments(issueNumber) {
      return comments
        .filter((c) => c.issue === issueNumber)
        .map((c) => ({ id: c.id, body: c.body, user: { ...c.user }, created_at: isoSeconds(c.createdMs), updated_at: isoSeconds(c.updatedMs) }))
    },
    addComment(issueNumber, body, user) {
      issues.add(issueNumber)
      const now = Date.now()
      const c: CommentState = { id: nextCommentId++, issue: issueNumber, body, user: { login: user.login, type: user.type }, createdMs: now, updatedMs: now }
      comments.push(c)
      return c.id
    },
    checkRuns() {
      return checkRuns.map((r) => ({
        id: r.id,
        name: r.name,
        head_sha: r.head_sha,
        status: r.status,
        conclusion: r.conclusion,
        output: Object.fromEntries(Object.entries(r.output).filter(([, v]) => v !== null)) as EmulatedCheckRun['output'],
        ...(r.details_url !== null ? { details_url: r.details_url } : {}),
        ...(r.started_at !== null ? { started_at: r.started_at } : {}),
        ...(r.completed_at !== null ? { completed_at: r.completed_at } : {}),
        updates: r.updates
      }))
    },
    statuses(sha) {
      return statuses
        .filter((s) => s.sha === sha.toLowerCase())
        .map((s) => ({
          id: s.id,
          state: s.state,
          context: s.context,
          ...(s.description !== null ? { description: s.description } : {}),
          ...(s.target_url !== null ? { target_url: s.target_url } : {})
        }))
    },
    setFault(f) {
      fault = f ? { ...f } : null // a copy: `times` counts down on it
    },
    async close() {
      closing.abort()
      await closeServer(server)
    }
  }
}

/** An HTML error page like the one GitHub's front end serves when what is behind it is down. */
function unicornPage(status: number): string {
  const text = `${status} ${STATUS_CODES[status] ?? 'Error'}`
  return `<!DOCTYPE html>\n<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n<title>Unicorn! &middot; GitHub</title>\n</head>\n<body>\n<h1>${text}</h1>\n</body>\n</html>\n`
}
