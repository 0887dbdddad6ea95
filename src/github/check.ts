// The status check on the commit: a check run created in_progress with the plan, updated as steps
// finish and completed with the verdict; where check runs are forbidden, a commit status instead.
import type { Verdict } from '../analysis/types.js'
import { describeFailure, type GitHubApi } from './client.js'
import type { Repo } from './comment.js'

const CHECK_TEXT_LIMIT = 65_535
const STATUS_DESCRIPTION_LIMIT = 140

export interface CheckTarget extends Repo {
  sha: string
  name: string
  detailsUrl?: string
}

export function conclusionOf(verdict: Verdict): 'success' | 'failure' | 'neutral' {
  if (verdict === 'Successful') return 'success'
  if (verdict === 'Inconclusive') return 'neutral'
  return 'failure'
}

function statusStateOf(verdict: Verdict): 'success' | 'failure' | 'error' | 'pending' {
  if (verdict === 'Successful') return 'success'
  if (verdict === 'Failed') return 'failure'
  if (verdict === 'Inconclusive') return 'pending'
  return 'error'
}

function fit(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}

export class CheckReporter {
  private checkRunId?: number
  /** Check runs were refused: report through commit statuses. */
  private useStatus = false

  constructor(
    private readonly api: GitHubApi,
    private readonly target: CheckTarget,
    private readonly warn: (message: string) => void
  ) {}

  get via(): 'check run' | 'commit status' {
    return this.useStatus ? 'commit status' : 'check run'
  }

  private output(title: string, summary: string): Record<string, unknown> {
    return { title: fit(title, 255), summary: fit(summary, CHECK_TEXT_LIMIT) }
  }

  private async status(state: 'success' | 'failure' | 'error' | 'pending', description: string): Promise<void> {
    const { owner, repo, sha, name, detailsUrl } = this.target
    await this.api.request('POST /repos/{owner}/{repo}/statuses/{sha}', {
      owner,
      repo,
      sha,
      state,
      context: name,
      description: fit(description, STATUS_DESCRIPTION_LIMIT),
      ...(detailsUrl ? { target_url: detailsUrl } : {})
    })
  }

  async start(title: string, summary: string): Promise<void> {
    const { owner, repo, sha, name, detailsUrl } = this.target
    try {
      const { data } = await this.api.request('POST /repos/{owner}/{repo}/check-runs', {
        owner,
        repo,
        name,
        head_sha: sha,
        status: 'in_progress',
        started_at: new Date().toISOString(),
        output: this.output(title, summary),
        ...(detailsUrl ? { details_url: detailsUrl } : {})
      })
      this.checkRunId = (data as { id: number }).id
    } catch (error) {
      if (describeFailure(error).kind !== 'forbidden') throw error
      // No checks: write (or a fork): a commit status says the same in fewer words.
      this.warn(`check runs were refused (${describeFailure(error).text}); trying a commit status instead`)
      this.useStatus = true
      await this.status('pending', title)
    }
  }

  async update(title: string, summary: string): Promise<void> {
    if (this.useStatus) return this.status('pending', title)
    if (this.checkRunId === undefined) return
    const { owner, repo } = this.target
    await this.api.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', { owner, repo, check_run_id: this.checkRunId, output: this.output(title, summary) })
  }

  async complete(verdict: Verdict, title: string, summary: string): Promise<void> {
    if (!this.useStatus && this.checkRunId === undefined) await this.start(title, summary)
    if (this.useStatus) return this.status(statusStateOf(verdict), title)
    if (this.checkRunId === undefined) return
    const { owner, repo } = this.target
    await this.api.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
      owner,
      repo,
      check_run_id: this.checkRunId,
      status: 'completed',
      conclusion: conclusionOf(verdict),
      completed_at: new Date().toISOString(),
      output: this.output(title, summary)
    })
  }
}
