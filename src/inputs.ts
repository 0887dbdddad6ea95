// The action's inputs, read once into a typed object. Every problem is reported together, each
// naming the input and what is wrong. Secret inputs are registered before anything is logged.
import { ConfigError, IssueList } from './config-error.js'
import { parseDuration } from './plan/duration.js'
import { parseArgsInput } from './plan/instantiate.js'
import { splitPlanInput } from './plan/load.js'
import { NERDGRAPH_URLS } from './providers/newrelic.js'
import type { Secrets } from './secrets.js'

export const COMMANDS = ['run', 'analyze', 'promote', 'abort', 'retry', 'status'] as const
export type Command = (typeof COMMANDS)[number]

export interface Inputs {
  command: Command
  plan: string[]
  rollout?: string
  namespace: string
  image?: { container: string; image: string }
  args: Map<string, string>
  templates: string[]
  prometheusUrl?: string
  prometheusHeaders: Array<{ key: string; value: string }>
  newRelic: { apiKey?: string; accountId?: number; region: 'us' | 'eu'; graphqlUrl: string }
  githubToken?: string
  comment: boolean
  checkName: string
  onFailure: 'abort' | 'pause'
  onInconclusive: 'pause' | 'abort' | 'promote'
  abortOnCancel: boolean
  timeoutMs: number
  dryRun: boolean
  full: boolean
  applySteps: boolean
  pollIntervalMs: number
  kubeContext?: string
  /** Bound on each kubectl request (--request-timeout). */
  kubectlTimeoutMs: number
}

/** Reads one input as the runner passes it (INPUT_<NAME>), trimmed; '' when unset. */
export type InputReader = (name: string) => string

/** Kubernetes object names (RFC 1123 subdomain) and label-style names (RFC 1123 label). */
export const K8S_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/
export const K8S_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/

export function checkKubernetesName(value: string, kind: 'name' | 'label'): string | undefined {
  const pattern = kind === 'label' ? K8S_LABEL : K8S_NAME
  const max = kind === 'label' ? 63 : 253
  if (value.length > max) return `"${value.slice(0, 40)}…" is longer than ${max} characters`
  if (!pattern.test(value)) {
    return `"${value}" is not a valid Kubernetes ${kind === 'label' ? 'name (lower-case letters, digits and "-")' : 'name (lower-case letters, digits, "-" and ".")'}`
  }
  return undefined
}

function oneOf<T extends string>(issues: IssueList, name: string, value: string, allowed: readonly T[], fallback: T): T {
  if (value === '') return fallback
  if ((allowed as readonly string[]).includes(value)) return value as T
  issues.add({ where: `input "${name}"`, message: `must be one of ${allowed.join(', ')}, got "${value}"` })
  return fallback
}

function bool(issues: IssueList, name: string, value: string, fallback: boolean): boolean {
  if (value === '') return fallback
  if (['true', 'True', 'TRUE'].includes(value)) return true
  if (['false', 'False', 'FALSE'].includes(value)) return false
  issues.add({ where: `input "${name}"`, message: `must be true or false, got "${value}"` })
  return fallback
}

function duration(issues: IssueList, name: string, value: string, fallback: string): number {
  const text = value === '' ? fallback : value
  const ms = parseDuration(text)
  if (ms === undefined || ms <= 0) {
    issues.add({ where: `input "${name}"`, message: `"${text}" is not a positive duration (e.g. 30s, 10m, 1h)` })
    return parseDuration(fallback) ?? 0
  }
  return ms
}

function headerLines(issues: IssueList, name: string, value: string): Array<{ key: string; value: string }> {
  const headers: Array<{ key: string; value: string }> = []
  value.split(/\r?\n/).forEach((line, index) => {
    const trimmed = line.trim()
    if (trimmed === '' || trimmed.startsWith('#')) return
    const colon = trimmed.indexOf(':')
    const key = colon > 0 ? trimmed.slice(0, colon).trim() : ''
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key)) {
      // Never echo the line: it is most likely a credential.
      issues.add({ where: `input "${name}"`, field: `line ${index + 1}`, message: 'expected "Header-Name: value"' })
      return
    }
    headers.push({ key, value: trimmed.slice(colon + 1).trim() })
  })
  return headers
}

function list(value: string): string[] {
  return value
    .split(/[\s,]+/)
    .map((part) => part.trim())
    .filter(Boolean)
}

export function readInputs(get: InputReader, secrets: Secrets): Inputs {
  // Secrets first, so nothing below can print them.
  const apiKey = get('newrelic-api-key')
  const githubToken = get('github-token')
  secrets.add(apiKey)
  secrets.add(githubToken)
  const issues = new IssueList()
  const prometheusHeaders = headerLines(issues, 'prometheus-headers', get('prometheus-headers'))
  // Credentials (Authorization, X-Api-Key, …) are secrets; a tenant header (X-Scope-OrgID) is not.
  for (const header of prometheusHeaders) secrets.addHeader(header.key, header.value)

  const command = oneOf(issues, 'command', get('command'), COMMANDS, 'run')
  const namespace = get('namespace') || 'default'
  const nsProblem = checkKubernetesName(namespace, 'label')
  if (nsProblem) issues.add({ where: 'input "namespace"', message: nsProblem })
  const rollout = get('rollout') || undefined
  if (rollout) {
    const problem = checkKubernetesName(rollout, 'name')
    if (problem) issues.add({ where: 'input "rollout"', message: problem })
  }

  let image: Inputs['image']
  const imageText = get('image')
  if (imageText) {
    const eq = imageText.indexOf('=')
    const container = eq > 0 ? imageText.slice(0, eq).trim() : ''
    const ref = eq > 0 ? imageText.slice(eq + 1).trim() : ''
    const problem = container ? checkKubernetesName(container, 'label') : 'expected container=image:tag'
    if (problem || !ref || /\s/.test(ref)) {
      issues.add({ where: 'input "image"', message: problem ?? `"${ref}" is not an image reference` })
    } else {
      image = { container, image: ref }
    }
  }

  const region = oneOf(issues, 'newrelic-region', get('newrelic-region').toLowerCase(), ['us', 'eu'] as const, 'us')
  const graphqlUrl = get('newrelic-graphql-url') || NERDGRAPH_URLS[region]
  if (!/^https?:\/\//.test(graphqlUrl)) issues.add({ where: 'input "newrelic-graphql-url"', message: `"${graphqlUrl}" is not an http(s) URL` })
  const accountText = get('newrelic-account-id')
  let accountId: number | undefined
  if (accountText) {
    if (/^\d+$/.test(accountText)) accountId = Number(accountText)
    else issues.add({ where: 'input "newrelic-account-id"', message: `must be a number (the New Relic account ID), got "${accountText}"` })
  }
  const prometheusUrl = get('prometheus-url') || undefined
  if (prometheusUrl && !/^https?:\/\//.test(prometheusUrl)) issues.add({ where: 'input "prometheus-url"', message: 'must be an http(s) URL' })

  const argsIssues = new IssueList()
  const args = parseArgsInput(get('args'), argsIssues)
  for (const issue of argsIssues.issues) issues.add(issue)

  const inputs: Inputs = {
    command,
    plan: splitPlanInput(get('plan')),
    rollout,
    namespace,
    image,
    args,
    templates: list(get('templates')),
    prometheusUrl,
    prometheusHeaders,
    newRelic: { apiKey: apiKey || undefined, accountId, region, graphqlUrl },
    githubToken: githubToken || undefined,
    comment: bool(issues, 'comment', get('comment'), true),
    checkName: get('check-name') || 'canary-gate',
    onFailure: oneOf(issues, 'on-failure', get('on-failure'), ['abort', 'pause'] as const, 'abort'),
    onInconclusive: oneOf(issues, 'on-inconclusive', get('on-inconclusive'), ['pause', 'abort', 'promote'] as const, 'pause'),
    abortOnCancel: bool(issues, 'abort-on-cancel', get('abort-on-cancel'), true),
    timeoutMs: duration(issues, 'timeout', get('timeout'), '60m'),
    dryRun: bool(issues, 'dry-run', get('dry-run'), false),
    full: bool(issues, 'full', get('full'), false),
    applySteps: bool(issues, 'apply-steps', get('apply-steps'), true),
    pollIntervalMs: duration(issues, 'poll-interval', get('poll-interval'), '5s'),
    kubeContext: get('context') || undefined,
    kubectlTimeoutMs: duration(issues, 'kubectl-timeout', get('kubectl-timeout'), '30s')
  }
  const commandValid = get('command') === '' || (COMMANDS as readonly string[]).includes(get('command'))
  if (commandValid && command !== 'analyze' && !rollout) {
    issues.add({ where: 'input "rollout"', message: `is required for command ${command}: the name of the Argo Rollout to drive` })
  }
  if (issues.issues.length) throw new ConfigError(issues.issues)
  return inputs
}
