// The report where people look, through the bundle and Octokit's real HTTP path: the GitHub REST
// emulator stands in for api.github.com (GITHUB_API_URL), with event payloads shaped like GitHub's.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { GITHUB_ACTIONS_BOT, pullRequestEvent, pushEvent, startGitHub, workflowDispatchEvent, type GitHubEmulator } from '../../emulators/github/server.js'
import { runAction, type ActionRun } from '../../emulators/runner.js'
import { startSeedMetrics, type SeedMetricsServer } from '../../emulators/seed-metrics/server.js'
import { deployInputs, seedJobs, startCluster, type Cluster } from '../support/cluster.js'
import { mermaidBlocks, parseMermaid } from '../support/mermaid.js'

const TOKEN = 'ghs_writeToken000000000000000000000000'
const FORK_TOKEN = 'ghs_forkReadOnly00000000000000000000000'
const NO_CHECKS_TOKEN = 'ghs_noChecks0000000000000000000000000'
const HEAD = '1111111111111111111111111111111111111111'
const MERGE = '2222222222222222222222222222222222222222'
const PUSHED = '3333333333333333333333333333333333333333'

let seed: SeedMetricsServer
let gh: GitHubEmulator
let cluster: Cluster | undefined

beforeAll(async () => {
  seed = await startSeedMetrics({ apps: { failing: { errorRate: 2.68 }, healthy: { errorRate: 0.4 }, middling: { errorRate: 1.5 } } })
})
afterAll(() => seed.close())
afterEach(async () => {
  await gh?.close()
  await cluster?.close()
  cluster = undefined
})

async function github(): Promise<GitHubEmulator> {
  gh = await startGitHub({
    tokens: {
      [TOKEN]: { ...GITHUB_ACTIONS_BOT, installation: true, permissions: { issues: 'write', pull_requests: 'write', checks: 'write', statuses: 'write', contents: 'read' } },
      [FORK_TOKEN]: { ...GITHUB_ACTIONS_BOT, installation: true, permissions: { issues: 'read', pull_requests: 'read', checks: 'read', statuses: 'read', contents: 'read' } },
      [NO_CHECKS_TOKEN]: { ...GITHUB_ACTIONS_BOT, installation: true, permissions: { pull_requests: 'write', statuses: 'write', contents: 'read' } }
    },
    pulls: [
      { number: 7, head: { sha: HEAD, ref: 'feature/vote' }, commits: [HEAD] },
      { number: 5, state: 'closed', merged: true, head: { sha: PUSHED, ref: 'fix/errors' }, merge_commit_sha: PUSHED, commits: [PUSHED] }
    ]
  })
  return gh
}

function analyze(app: string, extra: { event: unknown; eventName: string; token?: string; env?: Record<string, string>; inputs?: Record<string, string> }): Promise<ActionRun> {
  return runAction({
    inputs: {
      command: 'analyze',
      plan: 'examples/voting01/error-rate-web.yaml',
      args: `app-name=${app}\nmetrics-url=${seed.url}`,
      'github-token': extra.token ?? TOKEN,
      ...extra.inputs
    },
    event: extra.event,
    eventName: extra.eventName,
    env: { GITHUB_API_URL: gh.url, GITHUB_SHA: MERGE, GITHUB_REPOSITORY: 'acme/voting-app', CANARY_GATE_TIME_SCALE: '600', ...extra.env }
  })
}

const prEvent = (fork = false) => pullRequestEvent({ owner: 'acme', repo: 'voting-app', number: 7, headSha: HEAD, fork })
const warnings = (run: ActionRun) => run.stdout.split('\n').filter((line) => line.startsWith('::warning::'))

describe('pull_request: a sticky comment and a check on the head commit', () => {
  it('comments once and updates the comment in place on the next run', async () => {
    await github()
    gh.addComment(7, 'LGTM', { login: 'octocat', type: 'User' })
    gh.addComment(7, '<!-- canary-gate:sticky analyze check=canary-gate --> pasted by a person', { login: 'octocat', type: 'User' })
    const first = await analyze('failing', { event: prEvent(), eventName: 'pull_request' })
    expect(first.outputs.verdict).toBe('Failed')
    expect(warnings(first)).toEqual([expect.stringContaining('CANARY_GATE_TIME_SCALE')])
    let ours = gh.comments(7).filter((c) => c.user.login === 'github-actions[bot]')
    expect(ours).toHaveLength(1)
    expect(ours[0].body.startsWith('<!-- canary-gate:sticky analyze check=canary-gate -->')).toBe(true)
    expect(ours[0].body).toContain('## ❌ Failed — analysis of voting01-error-rate-web (no cluster changes): error-rate 2.68 &gt; 2')
    const second = await analyze('healthy', { event: prEvent(), eventName: 'pull_request' })
    expect(second.outputs.verdict).toBe('Successful')
    ours = gh.comments(7).filter((c) => c.user.login === 'github-actions[bot]')
    expect(ours).toHaveLength(1)
    expect(ours[0].body).toContain('## ✅ Successful')
    expect(gh.comments(7)).toHaveLength(3)
    expect(gh.comments(7)[1].body).toContain('pasted by a person')
    expect(second.stdout).toMatch(/PR #7 comment updated/)
  })

  it('puts the check on the PR head commit, not the merge commit, completed with the verdict', async () => {
    await github()
    await analyze('failing', { event: prEvent(), eventName: 'pull_request' })
    const [check] = gh.checkRuns()
    expect(check).toMatchObject({ name: 'canary-gate', head_sha: HEAD, status: 'completed', conclusion: 'failure' })
    expect(check.output.title).toBe('Failed — analysis of voting01-error-rate-web (no cluster changes): error-rate 2.68 > 2')
    expect(check.output.summary).toContain('| Metric | Step | Value | Condition | Measurements | Result |')
    expect(gh.checkRuns().some((c) => c.head_sha === MERGE)).toBe(false)
    expect(await parseMermaid(mermaidBlocks(check.output.summary ?? ''))).toEqual([{ ok: true, type: 'xychart' }])
  })

  it('finds its comment among many, on a later page', async () => {
    await github()
    for (let i = 0; i < 130; i++) gh.addComment(7, `comment ${i}`, { login: 'octocat', type: 'User' })
    await analyze('failing', { event: prEvent(), eventName: 'pull_request' })
    await analyze('healthy', { event: prEvent(), eventName: 'pull_request' })
    expect(gh.comments(7).filter((c) => c.user.type === 'Bot')).toHaveLength(1)
  })

  it('degrades on a fork: 403 warnings, the job summary, and the verdict alone decides the exit code', async () => {
    await github()
    const run = await analyze('healthy', { event: prEvent(true), eventName: 'pull_request', token: FORK_TOKEN })
    expect(run.exitCode).toBe(0)
    expect(run.outputs.verdict).toBe('Successful')
    expect(run.summary).toContain('## ✅ Successful')
    const text = warnings(run).join('\n')
    expect(text).toMatch(/PR comment skipped: GitHub refused the token \(403 Resource not accessible by integration\): the job needs .*pull-requests: write.* — or this is a pull request from a fork, whose token is read-only/)
    expect(text).toMatch(/check runs were refused \(.*checks: write/)
    expect(gh.comments(7)).toHaveLength(0)
    expect(gh.checkRuns()).toHaveLength(0)
  })
})

describe('secrets', () => {
  it('never reach the comment, the check or the outputs', async () => {
    await github()
    const secret = 'tok-s3cr3t-never-shown-0123'
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cg-secret-'))
    const plan = path.join(dir, 'plan.yaml')
    const template = (await readFile('examples/voting01/error-rate-web.yaml', 'utf8'))
      .replace('    - name: app-name\n', '    - name: app-name\n    - name: api-token\n')
      .replace('          timeoutSeconds: 30', `          timeoutSeconds: 30\n          headers:\n            - key: X-Api-Token\n              value: "{{args.api-token}}"`)
      .replace('metric=errorRate&window=5m', 'metric=errorRate&window=5m&team={{args.api-token}}')
    await writeFile(plan, template)
    const run = await analyze('failing', { event: prEvent(), eventName: 'pull_request', inputs: { plan, args: `app-name=failing\nmetrics-url=${seed.url}\napi-token=${secret}` } })
    expect(run.outputs.verdict).toBe('Failed')
    const written = JSON.stringify([gh.requests.map((r) => r.body), run.outputs, run.summary, run.report, run.stdout.replace(/::add-mask::.*\n/g, '')])
    expect(written).not.toContain(secret)
    expect(gh.comments(7)).toHaveLength(1)
  })
})

describe('push and workflow_dispatch', () => {
  it('on push, checks the pushed commit and comments on the PR it was merged from', async () => {
    await github()
    const run = await analyze('failing', { event: pushEvent({ owner: 'acme', repo: 'voting-app', after: PUSHED }), eventName: 'push', env: { GITHUB_SHA: PUSHED } })
    expect(run.outputs.verdict).toBe('Failed')
    expect(gh.checkRuns()[0]).toMatchObject({ head_sha: PUSHED, conclusion: 'failure' })
    expect(gh.comments(5)).toHaveLength(1)
    expect(gh.requests.some((r) => r.path === `/repos/acme/voting-app/commits/${PUSHED}/pulls`)).toBe(true)
  })

  it('without check-run permission, reports with a commit status of the same name', async () => {
    await github()
    const run = await analyze('failing', {
      event: workflowDispatchEvent({ owner: 'acme', repo: 'voting-app' }),
      eventName: 'workflow_dispatch',
      token: NO_CHECKS_TOKEN,
      env: { GITHUB_SHA: PUSHED },
      inputs: { 'check-name': 'canary-gate / qa' }
    })
    expect(run.outputs.verdict).toBe('Failed')
    const statuses = gh.statuses(PUSHED)
    expect(statuses.map((s) => s.state)).toEqual(['pending', 'failure'])
    expect(statuses[1]).toMatchObject({ context: 'canary-gate / qa', target_url: 'https://github.com/acme/voting-app/actions/runs/4242' })
    expect(statuses[1].description!.length).toBeLessThanOrEqual(140)
  })

  it('with comment: false, checks but does not comment', async () => {
    await github()
    await analyze('failing', { event: prEvent(), eventName: 'pull_request', inputs: { comment: 'false' } })
    expect(gh.comments(7)).toHaveLength(0)
    expect(gh.checkRuns()).toHaveLength(1)
  })

  it('a rate limit or an outage is a warning, never the exit code', async () => {
    await github()
    gh.setFault({ kind: 'rate-limit' })
    const limited = await analyze('healthy', { event: prEvent(), eventName: 'pull_request' })
    expect(limited.exitCode).toBe(0)
    expect(warnings(limited).join('\n')).toMatch(/GitHub API rate limit: API rate limit exceeded/)
    gh.setFault({ kind: 'outage' })
    const down = await analyze('healthy', { event: prEvent(), eventName: 'pull_request' })
    expect(down.exitCode).toBe(0)
    expect(warnings(down).join('\n')).toMatch(/GitHub API unavailable \(503/)
    expect(down.summary).toContain('## ✅ Successful')
  })

  it('waits out a secondary rate limit that clears soon, and retries an outage, so the comment and the check still land', async () => {
    await github()
    gh.setFault({ kind: 'secondary-rate-limit', retryAfterSeconds: 1, method: 'POST', path: /\/issues\/7\/comments$/, times: 1 })
    const limited = await analyze('failing', { event: prEvent(), eventName: 'pull_request' })
    expect(warnings(limited).filter((w) => !w.includes('TIME_SCALE'))).toEqual([])
    expect(limited.stdout).toMatch(/GitHub secondary rate limit on POST .*: waiting 1s, then trying again/)
    expect(gh.comments(7).filter((c) => c.body.includes('canary-gate:sticky'))).toHaveLength(1)
    gh.setFault({ kind: 'outage', status: 502, method: 'POST', path: /\/check-runs$/, times: 1 })
    const flaky = await analyze('failing', { event: prEvent(), eventName: 'pull_request' })
    expect(warnings(flaky).filter((w) => !w.includes('TIME_SCALE'))).toEqual([])
    expect(gh.checkRuns().length).toBeGreaterThanOrEqual(2)
  })

  it('without a token, makes no GitHub call at all', async () => {
    await github()
    const run = await analyze('failing', { event: prEvent(), eventName: 'pull_request', token: '' })
    expect(run.stdout).toContain('::notice::no github-token: the PR comment and the check are skipped')
    expect(gh.requests).toEqual([])
  })
})

describe('a rollout run reports as it goes', () => {
  it('creates the check in_progress with the plan, updates it as steps finish, completes it as a failure, and comments on the PR', async () => {
    await github()
    cluster = await startCluster()
    cluster.kube.setJobBehavior(seedJobs(() => 2.68))
    const run = await cluster.run({
      inputs: deployInputs({ 'github-token': TOKEN }),
      event: workflowDispatchEvent({ owner: 'acme', repo: 'voting-app', inputs: { command: 'run', image_tag: '175a032' } }),
      eventName: 'workflow_dispatch',
      env: { GITHUB_API_URL: gh.url, GITHUB_SHA: PUSHED }
    })
    expect(run.outputs).toMatchObject({ verdict: 'Failed', outcome: 'aborted' })
    const [check] = gh.checkRuns()
    expect(check).toMatchObject({ head_sha: PUSHED, status: 'completed', conclusion: 'failure' })
    // updates are throttled to one every few seconds of real time: at least one before the completion
    expect(check.updates).toBeGreaterThanOrEqual(2)
    const created = gh.requests.find((r) => r.method === 'POST' && r.path.endsWith('/check-runs'))
    expect(created?.body).toMatchObject({ status: 'in_progress' })
    const updates = gh.requests.filter((r) => r.method === 'PATCH' && r.path.includes('/check-runs/'))
    expect(updates.some((r) => JSON.stringify(r.body).includes('| 1 | setWeight 20%'))).toBe(true)
    expect(updates.some((r) => (r.body as { status?: string }).status === undefined && /In progress: rollout vote at step/.test(JSON.stringify(r.body)))).toBe(true)
    expect(check.output.title).toBe('Failed — rollout vote aborted, canary traffic 50% → 0%: error-rate 2.68 > 2 at step 6/9')
    const [comment] = gh.comments(5)
    expect(comment.body.startsWith('<!-- canary-gate:sticky rollout=vote namespace=voting01-qa -->')).toBe(true)
    expect(await parseMermaid(mermaidBlocks(comment.body))).toEqual([
      { ok: true, type: 'xychart' },
      { ok: true, type: 'xychart' }
    ])
  })

  it('marks an inconclusive analysis neutral, titled as needing a human', async () => {
    await github()
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cg-neutral-'))
    const plan = path.join(dir, 'plan.yaml')
    const template = (await readFile('examples/voting01/error-rate-web.yaml', 'utf8')).replace(
      'successCondition: result.errorRate < {{ args.error-threshold }}',
      'successCondition: result.errorRate < 1\n      failureCondition: result.errorRate >= {{ args.error-threshold }}'
    )
    await writeFile(plan, template)
    const run = await analyze('middling', { event: prEvent(), eventName: 'pull_request', inputs: { plan } })
    expect(run.outputs.verdict).toBe('Inconclusive')
    expect(gh.checkRuns()[0]).toMatchObject({ conclusion: 'neutral' })
    expect(gh.checkRuns()[0].output.title).toMatch(/^Needs a human: Inconclusive — analysis of voting01-error-rate-web/)
  })
})
