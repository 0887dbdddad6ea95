// What the workflow run is about: @actions/github's context (the event payload, the repository, the
// commit, the run), narrowed to what the report and the publisher use.

export interface PullRequestRef {
  number: number
  /** The PR's head commit: checks belong there, not on the merge commit GITHUB_SHA names. */
  headSha: string
  /** The head repository is another one: the token is read-only. */
  fork: boolean
}

export interface RunContext {
  /** owner/repo */
  repository?: string
  owner?: string
  repo?: string
  serverUrl: string
  apiUrl: string
  eventName?: string
  /** The commit the run is about: a PR's head, otherwise GITHUB_SHA. */
  sha?: string
  pullRequest?: PullRequestRef
  runUrl?: string
  /** The workflow's page, where a person starts it again with workflow_dispatch. */
  workflowUrl?: string
  workflowFile?: string
}

type Json = Record<string, unknown>
const obj = (value: unknown): Json => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {})

/** The part of @actions/github's context canary-gate reads. */
export interface ActionsContext {
  payload: Json
  eventName?: string
  sha?: string
  runId?: number
  serverUrl: string
  apiUrl: string
  repo: { owner: string; repo: string }
}

/** The run's context from @actions/github (loaded on demand: it brings Octokit with it). */
export async function readRunContext(env: NodeJS.ProcessEnv = process.env): Promise<RunContext> {
  const { context } = await import('@actions/github')
  return runContextOf(context as unknown as ActionsContext, env)
}

function repoOf(context: ActionsContext): { owner: string; repo: string } | undefined {
  try {
    return context.repo
  } catch {
    // context.repo throws without GITHUB_REPOSITORY and a payload repository.
    return undefined
  }
}

/** What the report and the publisher need, from the Actions context: a PR's head commit, the run's URLs. */
export function runContextOf(context: ActionsContext, env: NodeJS.ProcessEnv = process.env): RunContext {
  const serverUrl = (context.serverUrl || 'https://github.com').replace(/\/$/, '')
  const apiUrl = (context.apiUrl || 'https://api.github.com').replace(/\/$/, '')
  const repoRef = repoOf(context)
  const repository = repoRef ? `${repoRef.owner}/${repoRef.repo}` : undefined
  const eventName = context.eventName || undefined
  let pullRequest: PullRequestRef | undefined
  const pr = obj(obj(context.payload).pull_request)
  if ((eventName === 'pull_request' || eventName === 'pull_request_target') && typeof pr.number === 'number') {
    const head = obj(pr.head)
    const headRepo = obj(head.repo)
    const baseRepo = obj(obj(pr.base).repo)
    pullRequest = {
      number: pr.number,
      headSha: typeof head.sha === 'string' ? head.sha : (context.sha ?? ''),
      fork: headRepo.fork === true || (typeof headRepo.full_name === 'string' && typeof baseRepo.full_name === 'string' && headRepo.full_name !== baseRepo.full_name)
    }
  }
  // GITHUB_WORKFLOW_REF (not in the Actions context): owner/repo/.github/workflows/promote-qa.yml@refs/heads/main
  const workflowPath = /^[^/]+\/[^/]+\/(\.github\/workflows\/[^@]+)@/.exec(env.GITHUB_WORKFLOW_REF ?? '')?.[1]
  const workflowFile = workflowPath?.split('/').pop()
  const runId = Number.isFinite(context.runId) && context.runId ? context.runId : undefined
  return {
    repository,
    owner: repoRef?.owner,
    repo: repoRef?.repo,
    serverUrl,
    apiUrl,
    eventName,
    sha: pullRequest?.headSha || context.sha || undefined,
    pullRequest,
    runUrl: repository && runId ? `${serverUrl}/${repository}/actions/runs/${runId}` : undefined,
    workflowUrl: repository && workflowFile ? `${serverUrl}/${repository}/actions/workflows/${workflowFile}` : undefined,
    workflowFile
  }
}
