// The action's inputs, read once into a typed object. Every problem is reported together, each
// naming the input and what is wrong. Secret inputs are registered before anything is logged.
import { ConfigError, IssueList } from './config-error.js'
import { formatDuration, parseDuration } from './plan/duration.js'
import { parseArgsInput } from './plan/instantiate.js'
import { splitPlanInput } from './plan/load.js'
import { NERDGRAPH_URLS } from './providers/newrelic.js'
import { parseTargets, readTargets, WAVES, type TargetSpec, type Waves } from './regions/targets.js'
import type { Secrets } from './secrets.js'

export const COMMANDS = ['run', 'analyze', 'promote', 'abort', 'retry', 'status', 'lint'] as const
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
  /** What carries the canary: an Argo Rollout, or a Deployment whose traffic the gate drives. */
  targetKind: 'rollout' | 'deployment'
  /** target-kind deployment: the app's name (`<name>-primary` / `<name>`, `<name>-canary`). */
  deployment?: string
  /** Given, or undefined: nginx for an Argo-style plan, what the Canary says for a Flagger Canary. */
  router?: 'nginx' | 'gateway-api'
  /** The main Ingress (nginx) or the HTTPRoute (gateway-api); default: the deployment's name. */
  ingress?: string
  route?: string
  /** Percent of the canary's pods ready before each weight change. */
  canaryReadyThreshold: number
  /** Where run and analyze push their Prometheus series (src/metrics/); may carry user:password@. */
  pushgatewayUrl?: string
  /** The region label of those series (and of their Pushgateway group). */
  region?: string
  /** Several regions or clusters in one gate (src/regions/), each with its merged inputs. */
  targets?: TargetSpec[]
  /** How the targets go: the first alone and the rest after it passes, or all at once. */
  waves?: Waves
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

/**
 * Bounds on the duration inputs: past them a value is a typo (`100000h`, `1ms`) that would hold a
 * runner for days or poll the API server without pause.
 */
const DURATION_BOUNDS: Record<string, { min: number; max: number; why: string }> = {
  timeout: { min: 1000, max: 120 * 3_600_000, why: 'a job runs at most 5 days, even on a self-hosted runner' },
  'poll-interval': { min: 1000, max: 10 * 60_000, why: 'the rollout is read once per poll' },
  'kubectl-timeout': { min: 1000, max: 10 * 60_000, why: 'each kubectl request is bounded by it, and retried' }
}

function duration(issues: IssueList, name: string, value: string, fallback: string): number {
  const text = value === '' ? fallback : value
  const ms = parseDuration(text)
  const fallbackMs = parseDuration(fallback) ?? 0
  if (ms === undefined || ms <= 0) {
    issues.add({ where: `input "${name}"`, message: `"${text}" is not a positive duration (e.g. 30s, 10m, 1h)` })
    return fallbackMs
  }
  const bounds = DURATION_BOUNDS[name]
  if (bounds && (ms < bounds.min || ms > bounds.max || !Number.isFinite(ms))) {
    const shown = text.length > 20 ? `${text.slice(0, 20)}…` : text
    const [relation, limit] = ms < bounds.min ? ['shorter', bounds.min] : ['longer', bounds.max]
    issues.add({ where: `input "${name}"`, message: `"${shown}" is ${relation} than ${formatDuration(limit)}, the ${relation === 'shorter' ? 'least' : 'most'} it may be (${bounds.why})` })
    return fallbackMs
  }
  return ms
}

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])'
const REGISTRY_HOST = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9A-Fa-f:]+\\])(?::[0-9]+)?$`)
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/
const TAG = /^\w[\w.-]{0,127}$/
const DIGESTS: Record<string, RegExp> = { sha256: /^[a-f0-9]{64}$/, sha512: /^[a-f0-9]{128}$/ }
/** What the grammar allows at all; anything else (`$`, `;`, `(`, quotes, spaces) is named. */
const REFERENCE_CHARS = /^[A-Za-z0-9._\-/:@[\]]$/

/**
 * Why `ref` is not a container image reference, or undefined when it is one: the grammar of
 * docker/distribution's reference package — [registry-host[:port]/]path[:tag][@digest], the path
 * lower case. The reference reaches kubectl as an argument and the Rollout as the pod's image, so
 * anything outside the grammar (an option such as --kubeconfig=…, shell text) is refused. The
 * messages never repeat the reference: a mistaken input may hold a credential.
 */
export function checkImageReference(ref: string): string | undefined {
  if (ref === '') return 'no image after "=" (expected container=image:tag)'
  if (ref.startsWith('-')) return 'the image must not start with "-" (kubectl would take it for an option)'
  for (const char of ref) {
    if (REFERENCE_CHARS.test(char)) continue
    if (/\s/.test(char)) return 'the image must not contain spaces'
    const code = char.codePointAt(0)!
    const shown = code < 0x20 || code === 0x7f ? `U+${code.toString(16).toUpperCase().padStart(4, '0')}` : `"${char}"`
    return `${shown} is not allowed in an image reference (letters, digits, ".", "_", "-", "/", ":" and "@")`
  }
  const at = ref.indexOf('@')
  const named = at < 0 ? ref : ref.slice(0, at)
  if (at >= 0) {
    const digest = ref.slice(at + 1)
    const colon = digest.indexOf(':')
    const algorithm = colon < 0 ? '' : digest.slice(0, colon)
    if (!(algorithm in DIGESTS)) return 'the digest after "@" must be sha256:<64 hex digits> (or sha512:<128>)'
    if (!DIGESTS[algorithm].test(digest.slice(colon + 1))) return `the ${algorithm} digest must be ${algorithm === 'sha256' ? 64 : 128} lower-case hex digits`
  }
  const lastSlash = named.lastIndexOf('/')
  const tagColon = named.lastIndexOf(':')
  const name = tagColon > lastSlash ? named.slice(0, tagColon) : named
  if (tagColon > lastSlash && !TAG.test(named.slice(tagColon + 1))) {
    return 'the tag must be 1 to 128 letters, digits, "_", "." or "-", not starting with "." or "-"'
  }
  if (name.length > 255) return 'the image name is longer than 255 characters'
  const parts = name.split('/')
  // As docker reads it: the first part names a registry when it has a "." or a ":", or is localhost.
  const host = parts.length > 1 && (/[.:]/.test(parts[0]) || parts[0] === 'localhost') ? parts.shift()! : undefined
  if (host !== undefined && !REGISTRY_HOST.test(host)) return 'the registry must be a host name or address, with an optional :port'
  if (parts.some((part) => part === '')) return 'the image has an empty path part (a leading, doubled or trailing "/")'
  if (parts.some((part) => part !== part.toLowerCase())) return 'the repository path must be lower case (upper case is allowed only in the registry host and the tag)'
  if (!parts.every((part) => PATH_COMPONENT.test(part))) return 'each part of the repository path must be lower-case letters and digits, joined by ".", "_", "__" or "-"'
  return undefined
}

/** A kubeconfig context name: free-form, but one printable word (it is logged, and passed to kubectl). */
function checkContextName(value: string): string | undefined {
  if (value.length > 253) return 'is longer than 253 characters'
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(value)) return 'must be a kubeconfig context name, without spaces or control characters'
  if (value.startsWith('-')) return 'must be a kubeconfig context name, not an option'
  return undefined
}

/** An http(s) URL, checked without repeating it: URLs carry tokens. */
function checkUrl(value: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(value)) return 'must be an http(s) URL, without spaces or control characters'
  try {
    const url = new URL(value)
    if (url.protocol === 'http:' || url.protocol === 'https:') return undefined
  } catch {
    // reported below
  }
  return 'must be an http(s) URL'
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

/** pushgateway-url and region: where the gate's Prometheus series go, and the region they are labelled with. */
function readMetricsInputs(get: InputReader, secrets: Secrets, issues: IssueList, inputs: Inputs): void {
  const url = get('pushgateway-url') || undefined
  // Registered first: the address may carry a password, and nothing below may print it.
  secrets.addUrlSecrets(url)
  const urlProblem = url === undefined ? undefined : checkUrl(url)
  if (urlProblem) issues.add({ where: 'input "pushgateway-url"', message: urlProblem })
  else inputs.pushgatewayUrl = url
  const region = get('region') || undefined
  // eslint-disable-next-line no-control-regex
  if (region !== undefined && (region.length > 128 || /[\u0000-\u001f\u007f]/.test(region))) {
    issues.add({ where: 'input "region"', message: 'must be one line of at most 128 characters (it labels the pushed series)' })
  } else inputs.region = region
  const named = inputs.targetKind === 'deployment' ? inputs.deployment : inputs.rollout
  if (url && inputs.command === 'analyze' && !named) {
    issues.add({ where: 'input "pushgateway-url"', message: 'needs the input "rollout" with command analyze: the pushed series and their Pushgateway group are named by rollout and namespace' })
  }
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
    const problem = container ? (checkKubernetesName(container, 'label') ?? checkImageReference(ref)) : 'expected container=image:tag'
    if (problem) issues.add({ where: 'input "image"', message: problem })
    else image = { container, image: ref }
  }
  const kubeContext = get('context') || undefined
  const contextProblem = kubeContext === undefined ? undefined : checkContextName(kubeContext)
  if (contextProblem) issues.add({ where: 'input "context"', message: contextProblem })

  const region = oneOf(issues, 'newrelic-region', get('newrelic-region').toLowerCase(), ['us', 'eu'] as const, 'us')
  const graphqlUrl = get('newrelic-graphql-url') || NERDGRAPH_URLS[region]
  secrets.addUrlSecrets(graphqlUrl)
  const graphqlProblem = checkUrl(graphqlUrl)
  if (graphqlProblem) issues.add({ where: 'input "newrelic-graphql-url"', message: graphqlProblem })
  const accountText = get('newrelic-account-id')
  let accountId: number | undefined
  if (accountText) {
    // Never repeated: a key pasted into the wrong input is still a key.
    if (/^\d{1,15}$/.test(accountText)) accountId = Number(accountText)
    else issues.add({ where: 'input "newrelic-account-id"', message: 'must be a number (the New Relic account ID)' })
  }
  const prometheusUrl = get('prometheus-url') || undefined
  secrets.addUrlSecrets(prometheusUrl)
  const prometheusProblem = prometheusUrl === undefined ? undefined : checkUrl(prometheusUrl)
  if (prometheusProblem) issues.add({ where: 'input "prometheus-url"', message: prometheusProblem })

  const templates = list(get('templates'))
  for (const name of templates) {
    const problem = checkKubernetesName(name, 'name')
    if (problem) issues.add({ where: 'input "templates"', message: problem.replace('Kubernetes name', 'template name') })
  }
  const checkName = get('check-name') || 'canary-gate'
  // eslint-disable-next-line no-control-regex
  if (checkName.length > 255 || /[\u0000-\u001f\u007f]/.test(checkName)) {
    issues.add({ where: 'input "check-name"', message: 'must be one line of at most 255 characters (it names the check on the commit)' })
  }

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
    templates,
    prometheusUrl,
    prometheusHeaders,
    newRelic: { apiKey: apiKey || undefined, accountId, region, graphqlUrl },
    githubToken: githubToken || undefined,
    comment: bool(issues, 'comment', get('comment'), true),
    checkName,
    onFailure: oneOf(issues, 'on-failure', get('on-failure'), ['abort', 'pause'] as const, 'abort'),
    onInconclusive: oneOf(issues, 'on-inconclusive', get('on-inconclusive'), ['pause', 'abort', 'promote'] as const, 'pause'),
    abortOnCancel: bool(issues, 'abort-on-cancel', get('abort-on-cancel'), true),
    timeoutMs: duration(issues, 'timeout', get('timeout'), '60m'),
    dryRun: bool(issues, 'dry-run', get('dry-run'), false),
    full: bool(issues, 'full', get('full'), false),
    applySteps: bool(issues, 'apply-steps', get('apply-steps'), true),
    pollIntervalMs: duration(issues, 'poll-interval', get('poll-interval'), '5s'),
    kubeContext,
    kubectlTimeoutMs: duration(issues, 'kubectl-timeout', get('kubectl-timeout'), '30s'),
    targetKind: 'rollout',
    router: get('router') === '' ? undefined : oneOf(issues, 'router', get('router'), ['nginx', 'gateway-api'] as const, 'nginx'),
    canaryReadyThreshold: 100
  }
  const targetKind = oneOf(issues, 'target-kind', get('target-kind'), ['rollout', 'deployment'] as const, 'rollout')
  inputs.targetKind = targetKind
  for (const name of ['deployment', 'ingress', 'route'] as const) {
    const value = get(name) || undefined
    const problem = value === undefined ? undefined : checkKubernetesName(value, 'name')
    if (problem) issues.add({ where: `input "${name}"`, message: problem })
    else inputs[name] = value
  }
  const thresholdText = get('canary-ready-threshold')
  if (thresholdText !== '') {
    const value = Number(thresholdText)
    if (/^\d+(\.\d+)?$/.test(thresholdText) && value > 0 && value <= 100) inputs.canaryReadyThreshold = value
    else issues.add({ where: 'input "canary-ready-threshold"', message: `must be a percentage above 0 and at most 100, got "${thresholdText.slice(0, 20)}"` })
  }
  readMetricsInputs(get, secrets, issues, inputs)
  const commandValid = get('command') === '' || (COMMANDS as readonly string[]).includes(get('command'))
  if (targetKind === 'deployment') {
    // run may take the name from a Flagger Canary in the plan (checked with the plan); lint needs none.
    if (!inputs.deployment && command !== 'run' && command !== 'lint') issues.add({ where: 'input "deployment"', message: 'is required with target-kind deployment: the name of the Deployment whose canary the gate drives' })
    if (get('ingress') && inputs.router === 'gateway-api') issues.add({ where: 'input "ingress"', message: 'names an nginx Ingress, and router is gateway-api (use the input "route")' })
    if (get('route') && inputs.router === 'nginx') issues.add({ where: 'input "route"', message: 'names a Gateway API HTTPRoute, and router is nginx (use the input "ingress")' })
  } else if (commandValid && command !== 'analyze' && command !== 'lint' && !rollout && !get('targets')) {
    issues.add({ where: 'input "rollout"', message: `is required for command ${command}: the name of the Argo Rollout to drive` })
  }
  readTargetsInputs(get, secrets, issues, inputs, commandValid)
  if (issues.issues.length) throw new ConfigError(issues.issues)
  return inputs
}

/** targets and waves: each entry read as the top-level inputs are, once those are valid. */
function readTargetsInputs(get: InputReader, secrets: Secrets, issues: IssueList, inputs: Inputs, commandValid: boolean): void {
  const text = get('targets')
  if (get('waves') !== '' || text !== '') inputs.waves = oneOf(issues, 'waves', get('waves'), WAVES, 'first-then-rest')
  if (text === '') return
  if (commandValid && inputs.command !== 'run' && inputs.command !== 'lint') {
    issues.add({ where: 'input "targets"', message: `is for command run only: command ${inputs.command} acts on one rollout (run it once per region, e.g. with a matrix)` })
    return
  }
  const entries = parseTargets(text, issues)
  if (entries && issues.empty) inputs.targets = readTargets(get, entries, secrets, issues, readInputs)
}
