// Webhook event payloads shaped like the ones the runner writes to GITHUB_EVENT_PATH (the fields the
// action and @actions/github's context read, with GitHub's names and nesting).
import { fakeSha, isoSeconds, PUBLIC_API, repositoryJson, stableNumber, userJson, WEB } from './shapes.js'

const SENDER = 'octocat'

export interface PullRequestEventOptions {
  owner: string
  repo: string
  number: number
  headSha: string
  headRef?: string
  baseRef?: string
  /** The head branch lives in a fork (contributor/<repo>): GITHUB_TOKEN is read-only there. */
  fork?: boolean
  /** opened, synchronize (default), reopened, … */
  action?: string
}

export function pullRequestEvent(opts: PullRequestEventOptions): Record<string, unknown> {
  const base = `${opts.owner}/${opts.repo}`
  const headOwner = opts.fork ? 'contributor' : opts.owner
  const head = `${headOwner}/${opts.repo}`
  const headRef = opts.headRef ?? 'feature'
  const baseRef = opts.baseRef ?? 'main'
  const author = opts.fork ? headOwner : SENDER
  const id = stableNumber(`pull:${base}#${opts.number}`, 1_000_000_000, 1_000_000_000)
  const now = isoSeconds(Date.now())
  return {
    action: opts.action ?? 'synchronize',
    number: opts.number,
    pull_request: {
      url: `${PUBLIC_API}/repos/${base}/pulls/${opts.number}`,
      id,
      html_url: `${WEB}/${base}/pull/${opts.number}`,
      number: opts.number,
      state: 'open',
      locked: false,
      title: `Change #${opts.number}`,
      user: userJson(PUBLIC_API, author, 'User'),
      body: null,
      created_at: now,
      updated_at: now,
      closed_at: null,
      merged_at: null,
      merge_commit_sha: fakeSha(`test-merge:${base}#${opts.number}`),
      draft: false,
      head: { label: `${headOwner}:${headRef}`, ref: headRef, sha: opts.headSha, user: userJson(PUBLIC_API, headOwner, opts.fork ? 'User' : 'Organization'), repo: repositoryJson(PUBLIC_API, head, opts.fork) },
      base: { label: `${opts.owner}:${baseRef}`, ref: baseRef, sha: fakeSha(`${base}@${baseRef}`), user: userJson(PUBLIC_API, opts.owner, 'Organization'), repo: repositoryJson(PUBLIC_API, base) },
      author_association: opts.fork ? 'CONTRIBUTOR' : 'MEMBER',
      merged: false
    },
    repository: repositoryJson(PUBLIC_API, base),
    sender: userJson(PUBLIC_API, author, 'User')
  }
}

export interface PushEventOptions {
  owner: string
  repo: string
  after: string
  ref?: string
  before?: string
}

export function pushEvent(opts: PushEventOptions): Record<string, unknown> {
  const base = `${opts.owner}/${opts.repo}`
  const before = opts.before ?? fakeSha(`before:${opts.after}`)
  const commit = {
    id: opts.after,
    tree_id: fakeSha(`tree:${opts.after}`),
    distinct: true,
    message: 'Update the canary',
    timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, '+00:00'),
    url: `${WEB}/${base}/commit/${opts.after}`,
    author: { name: 'The Octocat', email: 'octocat@github.com', username: SENDER },
    committer: { name: 'GitHub', email: 'noreply@github.com', username: 'web-flow' },
    added: [],
    removed: [],
    modified: []
  }
  return {
    ref: opts.ref ?? 'refs/heads/main',
    before,
    after: opts.after,
    repository: repositoryJson(PUBLIC_API, base),
    pusher: { name: SENDER, email: 'octocat@github.com' },
    sender: userJson(PUBLIC_API, SENDER, 'User'),
    created: false,
    deleted: false,
    forced: false,
    base_ref: null,
    compare: `${WEB}/${base}/compare/${before.slice(0, 12)}...${opts.after.slice(0, 12)}`,
    commits: [commit],
    head_commit: commit
  }
}

export interface WorkflowDispatchEventOptions {
  owner: string
  repo: string
  ref?: string
  inputs?: Record<string, string>
  /** The workflow file's path, as GitHub sends it. */
  workflow?: string
}

export function workflowDispatchEvent(opts: WorkflowDispatchEventOptions): Record<string, unknown> {
  return {
    inputs: opts.inputs ?? {},
    ref: opts.ref ?? 'refs/heads/main',
    repository: repositoryJson(PUBLIC_API, `${opts.owner}/${opts.repo}`),
    sender: userJson(PUBLIC_API, SENDER, 'User'),
    workflow: opts.workflow ?? '.github/workflows/canary.yml'
  }
}
