// What the workflow run is about, read from the runner's environment and the event payload
// (GITHUB_EVENT_PATH) — without loading Octokit, so runs without a token stay light.
import { readFileSync } from 'node:fs'

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

function readEvent(file: string | undefined): Json {
  if (!file) return {}
  try {
    return obj(JSON.parse(readFileSync(file, 'utf8')))
  } catch {
    return {}
  }
}

export function readRunContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  const serverUrl = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/$/, '')
  const apiUrl = (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/$/, '')
  const repository = env.GITHUB_REPOSITORY || undefined
  const [owner, repo] = repository?.split('/') ?? []
  const eventName = env.GITHUB_EVENT_NAME || undefined
  const event = readEvent(env.GITHUB_EVENT_PATH)
  let pullRequest: PullRequestRef | undefined
  const pr = obj(event.pull_request)
  if ((eventName === 'pull_request' || eventName === 'pull_request_target') && typeof pr.number === 'number') {
    const head = obj(pr.head)
    const headRepo = obj(head.repo)
    const baseRepo = obj(obj(pr.base).repo)
    pullRequest = {
      number: pr.number,
      headSha: typeof head.sha === 'string' ? head.sha : (env.GITHUB_SHA ?? ''),
      fork: headRepo.fork === true || (typeof headRepo.full_name === 'string' && typeof baseRepo.full_name === 'string' && headRepo.full_name !== baseRepo.full_name)
    }
  }
  // GITHUB_WORKFLOW_REF: owner/repo/.github/workflows/promote-qa.yml@refs/heads/main
  const workflowPath = /^[^/]+\/[^/]+\/(\.github\/workflows\/[^@]+)@/.exec(env.GITHUB_WORKFLOW_REF ?? '')?.[1]
  const workflowFile = workflowPath?.split('/').pop()
  return {
    repository,
    owner,
    repo,
    serverUrl,
    apiUrl,
    eventName,
    sha: pullRequest?.headSha || env.GITHUB_SHA || undefined,
    pullRequest,
    runUrl: repository && env.GITHUB_RUN_ID ? `${serverUrl}/${repository}/actions/runs/${env.GITHUB_RUN_ID}` : undefined,
    workflowUrl: repository && workflowFile ? `${serverUrl}/${repository}/actions/workflows/${workflowFile}` : undefined,
    workflowFile
  }
}
