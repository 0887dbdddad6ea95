// The sticky pull-request comment: one per rollout and namespace, found again by a hidden marker
// and updated in place, created when there is none.
import type { GitHubApi } from './client.js'

export interface Repo {
  owner: string
  repo: string
}

interface Comment {
  id: number
  body?: string
  html_url?: string
  user?: { login?: string; type?: string } | null
}

/** The hidden first line that names whose comment it is. */
export function stickyMarker(key: string): string {
  return `<!-- canary-gate:sticky ${key.replace(/-->/g, '')} -->`
}

/**
 * The login this token writes as, when GitHub says (a personal token); installation tokens such as
 * GITHUB_TOKEN cannot ask (403), and then the comment is recognised as a bot's.
 */
async function tokenLogin(api: GitHubApi): Promise<string | undefined> {
  try {
    const { data } = await api.request('GET /user')
    return (data as { login?: string }).login
  } catch {
    return undefined
  }
}

export async function upsertComment(api: GitHubApi, repo: Repo, issue: number, marker: string, body: string): Promise<{ action: 'created' | 'updated'; url?: string }> {
  const login = await tokenLogin(api)
  const comments = (await api.paginate('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...repo, issue_number: issue, per_page: 100 })) as Comment[]
  const mine = comments.filter((c) => c.body?.includes(marker) && (login ? c.user?.login === login : c.user?.type === 'Bot'))
  const existing = mine[mine.length - 1]
  if (existing) {
    const { data } = await api.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', { ...repo, comment_id: existing.id, body })
    return { action: 'updated', url: (data as Comment).html_url }
  }
  const { data } = await api.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { ...repo, issue_number: issue, body })
  return { action: 'created', url: (data as Comment).html_url }
}

interface PullRequest {
  number: number
  state?: string
  merge_commit_sha?: string | null
  head?: { sha?: string }
}

/** The pull request a pushed or dispatched commit came from: merged by it, or with it as head. */
export async function pullRequestOf(api: GitHubApi, repo: Repo, sha: string): Promise<number | undefined> {
  const { data } = await api.request('GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls', { ...repo, commit_sha: sha })
  const pulls = (Array.isArray(data) ? data : []) as PullRequest[]
  const chosen = pulls.find((p) => p.merge_commit_sha === sha) ?? pulls.find((p) => p.head?.sha === sha && p.state === 'open') ?? pulls[0]
  return chosen?.number
}
