// Puts the report where people look — the check on the commit and the sticky comment on the pull
// request — and never fails a deploy over it: a fork's read-only token, a 403, a rate limit or an
// outage is a warning; the verdict alone decides the exit code.
import type { Command } from '../inputs.js'
import type { Logger } from '../log.js'
import type { GateResult } from '../report/model.js'
import type { Secrets } from '../secrets.js'
import { CheckReporter } from './check.js'
import { connect, describeFailure, type GitHubApi } from './client.js'
import { pullRequestOf, stickyMarker, upsertComment, type Repo } from './comment.js'
import type { RunContext } from './context.js'

export interface PublishSettings {
  token: string
  comment: boolean
  checkName: string
  command: Command
  rollout?: { name: string; namespace: string }
}

/** The renderer, loaded on demand and shared with the job summary's (one chunk in the bundle). */
const renderer = (): Promise<typeof import('../report/render.js')> => import('../report/render.js')

/** How often a running check is updated at most, in real milliseconds. */
const PROGRESS_EVERY_MS = 5000

export class Publisher {
  private api?: Promise<GitHubApi>
  private check?: CheckReporter
  private queue: Promise<void> = Promise.resolve()
  private lastProgress = { at: 0, key: '' }
  private checkOff = false
  /** Set once the final report is on its way: late progress must not overwrite it. */
  private finished = false

  constructor(
    private readonly settings: PublishSettings,
    private readonly context: RunContext,
    private readonly secrets: Secrets,
    private readonly log: Logger,
    private readonly connectTo: (token: string, baseUrl: string, warn: (message: string) => void) => Promise<GitHubApi> = connect
  ) {
    if (context.pullRequest?.fork) {
      log.notice('this pull request comes from a fork: its token is read-only, so the comment and the check will likely be refused; the job summary has the report')
    }
  }

  private get repo(): Repo | undefined {
    return this.context.owner && this.context.repo ? { owner: this.context.owner, repo: this.context.repo } : undefined
  }

  private client(): Promise<GitHubApi> {
    this.api ??= this.connectTo(this.settings.token, this.context.apiUrl, (message) => this.log.info(message))
    return this.api
  }

  /** Runs GitHub work one call after another; a failure becomes a warning, never an exception. */
  private enqueue(what: string, work: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(work).catch((error: unknown) => {
      const failure = describeFailure(error)
      this.log.warning(this.secrets.redact(`${what} skipped: ${failure.text}`))
      if (what.startsWith('check') && ['forbidden', 'unauthorized', 'rate-limit'].includes(failure.kind)) this.checkOff = true
    })
    return this.queue
  }


  /** The check, created in_progress the first time there is a plan to show. */
  private ensureCheck(title: string, summary: string): void {
    if (this.check || this.checkOff) return
    const repo = this.repo
    if (!repo || !this.context.sha) {
      this.log.notice('no repository or commit in the environment: the check is skipped')
      this.checkOff = true
      return
    }
    this.check = new CheckReporter(
      { request: async (...args) => (await this.client()).request(...args), paginate: async (...args) => (await this.client()).paginate(...args) },
      { ...repo, sha: this.context.sha, name: this.settings.checkName, detailsUrl: this.context.runUrl },
      (message) => this.log.warning(this.secrets.redact(message))
    )
    const check = this.check
    void this.enqueue('check', () => check.start(title, summary))
  }

  /** Shows how the run stands in the check: created with the plan, then updated as steps finish. */
  progress(snapshot: GateResult): void {
    if (this.checkOff || this.finished) return
    const key = (snapshot.steps ?? []).map((s) => s.result).join(',') + snapshot.analyses.length
    const now = Date.now()
    const first = !this.check
    if (!first && (key === this.lastProgress.key || now - this.lastProgress.at < PROGRESS_EVERY_MS)) return
    this.lastProgress = { at: now, key }
    void renderer()
      .then(({ progressTitle, renderReport }) => {
        if (this.finished) return
        const safe = this.secrets.redactDeep(snapshot)
        const summary = this.secrets.redact(renderReport(safe, { context: this.context }))
        const title = this.secrets.redact(progressTitle(safe))
        if (first) this.ensureCheck(title, summary)
        else void this.enqueue('check update', async () => this.check?.update(title, summary))
      })
      .catch((error: unknown) => this.log.warning(`check update skipped: ${(error as Error).message}`))
  }

  /** Completes the check and writes the sticky comment (`result` already redacted by finish). */
  async finish(result: GateResult): Promise<void> {
    this.finished = true
    const { headlineText, renderReport } = await renderer()
    const safe = this.secrets.redactDeep(result)
    const headline = headlineText(safe)
    const title = this.secrets.redact(result.verdict === 'Inconclusive' ? `Needs a human: ${headline}` : headline)
    if (!this.checkOff) {
      const summary = this.secrets.redact(renderReport(safe, { context: this.context }))
      this.ensureCheck(title, summary)
      void this.enqueue('check', async () => {
        await this.check?.complete(result.verdict, title, summary)
        if (this.check) this.log.info(`${this.check.via} "${this.settings.checkName}" on ${this.context.sha?.slice(0, 7)}: ${result.verdict}`)
      })
    }
    if (this.settings.comment && this.settings.command !== 'status') await this.comment(safe)
    await this.queue
  }

  private async comment(result: GateResult): Promise<void> {
    const repo = this.repo
    if (!repo) return
    const key = this.settings.rollout ? `rollout=${this.settings.rollout.name} namespace=${this.settings.rollout.namespace}` : `analyze check=${this.settings.checkName}`
    const marker = stickyMarker(key)
    const { renderReport } = await renderer()
    await this.enqueue('PR comment', async () => {
      const api = await this.client()
      let issue = this.context.pullRequest?.number
      if (issue === undefined && this.context.sha) issue = await pullRequestOf(api, repo, this.context.sha)
      if (issue === undefined) {
        this.log.info(`no pull request for commit ${this.context.sha?.slice(0, 7) ?? '?'}: no PR comment`)
        return
      }
      const body = this.secrets.redact(renderReport(result, { context: this.context, marker }))
      const { action, url } = await upsertComment(api, repo, issue, marker, body)
      this.log.info(`PR #${issue} comment ${action}${url ? `: ${url}` : ''}`)
    })
  }
}
