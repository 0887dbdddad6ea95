// The inputs as a workflow author writes them: defaults, regions, and one message per mistake.
import { describe, expect, it } from '@jest/globals'
import { Secrets } from '../../src/secrets.js'
import { inputsFrom, problemsOf } from '../support/inputs.js'

const read = (values: Record<string, string>, secrets = new Secrets()) => inputsFrom(values, secrets)

const problems = (values: Record<string, string>): string[] => problemsOf(() => read(values))

describe('inputs', () => {
  it('applies the documented defaults', () => {
    const inputs = read({ command: 'analyze', plan: 'a.yaml\nb.yaml' })
    expect(inputs).toMatchObject({
      command: 'analyze',
      plan: ['a.yaml', 'b.yaml'],
      namespace: 'default',
      comment: true,
      checkName: 'canary-gate',
      onFailure: 'abort',
      onInconclusive: 'pause',
      abortOnCancel: true,
      timeoutMs: 3_600_000,
      dryRun: false,
      applySteps: true,
      pollIntervalMs: 5000,
      newRelic: { region: 'us', graphqlUrl: 'https://api.newrelic.com/graphql' }
    })
  })

  it('picks the EU NerdGraph endpoint for region eu, and lets an override win', () => {
    expect(read({ command: 'analyze', 'newrelic-region': 'eu' }).newRelic.graphqlUrl).toBe('https://api.eu.newrelic.com/graphql')
    expect(read({ command: 'analyze', 'newrelic-region': 'EU', 'newrelic-graphql-url': 'http://127.0.0.1:1/graphql' }).newRelic.graphqlUrl).toBe('http://127.0.0.1:1/graphql')
  })

  it('reports every bad input at once, naming it', () => {
    expect(
      problems({ command: 'deploy', 'newrelic-region': 'asia', 'newrelic-account-id': 'abc', timeout: 'soon', comment: 'yes', namespace: 'QA_ns', 'prometheus-headers': 'no colon here' })
    ).toEqual([
      'input "prometheus-headers": line 1: expected "Header-Name: value"',
      'input "command": must be one of run, analyze, promote, abort, retry, status, lint, got "deploy"',
      'input "namespace": "QA_ns" is not a valid Kubernetes name (lower-case letters, digits and "-")',
      'input "newrelic-region": must be one of us, eu, got "asia"',
      'input "newrelic-account-id": must be a number (the New Relic account ID)',
      'input "comment": must be true or false, got "yes"',
      'input "timeout": "soon" is not a positive duration (e.g. 30s, 10m, 1h)'
    ])
  })

  it('needs a rollout for every command but analyze, and checks its name', () => {
    expect(problems({ command: 'run' })).toEqual(['input "rollout": is required for command run: the name of the Argo Rollout to drive'])
    expect(problems({ command: 'run', rollout: 'vote;rm -rf /' })[0]).toMatch(/^input "rollout": "vote;rm -rf \/" is not a valid Kubernetes name/)
  })

  it('lets lint run without a rollout, a deployment, a token or metric inputs', () => {
    expect(problems({ command: 'lint', plan: 'k8s/*.yaml' })).toEqual([])
    expect(problems({ command: 'lint', plan: 'k8s/*.yaml', 'target-kind': 'deployment' })).toEqual([])
  })

  it('parses image as container=image:tag', () => {
    expect(read({ command: 'run', rollout: 'vote', image: 'vote=registry.example.com/vote:175a032' }).image).toEqual({ container: 'vote', image: 'registry.example.com/vote:175a032' })
    expect(problems({ command: 'run', rollout: 'vote', image: 'registry.example.com/vote:1' })).toEqual(['input "image": expected container=image:tag'])
  })

  it('masks credentials among prometheus-headers, not a tenant header', () => {
    const secrets = new Secrets()
    read({ command: 'analyze', 'prometheus-headers': 'X-Scope-OrgID: prod\nX-Api-Key: k-123456789' }, secrets)
    expect(secrets.redact('voting01-prod k-123456789')).toBe('voting01-prod ***')
  })

  it('registers secrets before anything else, including header values with and without their scheme', () => {
    const secrets = new Secrets()
    read({ command: 'analyze', 'newrelic-api-key': 'NRAK-1234567890', 'github-token': 'ghs_abcdef123456', 'prometheus-headers': 'Authorization: Bearer tok-123456' }, secrets)
    expect(secrets.redact('NRAK-1234567890 ghs_abcdef123456 Bearer tok-123456 tok-123456')).toBe('*** *** *** ***')
  })
})

describe('inputs that reach kubectl, GitHub or a URL', () => {
  const image = (value: string) => problems({ command: 'run', rollout: 'vote', image: value })

  it.each([
    'vote=registry.example.com/vote:175a032',
    `vote=ghcr.io/org/app@sha256:${'0123456789abcdef'.repeat(4)}`,
    `vote=ghcr.io/org/app:1.2.3@sha256:${'a'.repeat(64)}`,
    'vote=localhost:5000/a/b:1.2.3',
    'vote=nginx',
    'vote=docker.io/library/nginx:1.27-alpine',
    'vote=123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:v1',
    'vote=Registry.Example.com:443/team/my__app-x.y:V1_2',
    'vote=[::1]:5000/app:latest',
    'vote=my-registry/app'
  ])('accepts the image reference %s', (value) => {
    expect(image(value)).toEqual([])
    expect(read({ command: 'run', rollout: 'vote', image: value }).image?.image).toBe(value.slice('vote='.length))
  })

  it.each([
    ['vote=$(id)', '"$" is not allowed in an image reference (letters, digits, ".", "_", "-", "/", ":" and "@")'],
    ['vote=--kubeconfig=/tmp/x', 'the image must not start with "-" (kubectl would take it for an option)'],
    ['vote=-o', 'the image must not start with "-" (kubectl would take it for an option)'],
    ['vote=a b', 'the image must not contain spaces'],
    ['vote=UPPER/case', 'the repository path must be lower case (upper case is allowed only in the registry host and the tag)'],
    ['vote=img:tag;rm', '";" is not allowed in an image reference (letters, digits, ".", "_", "-", "/", ":" and "@")'],
    ['vote=img`id`', '"`" is not allowed in an image reference (letters, digits, ".", "_", "-", "/", ":" and "@")'],
    ['vote=img:tag\u0007', 'U+0007 is not allowed in an image reference (letters, digits, ".", "_", "-", "/", ":" and "@")'],
    ['vote=', 'no image after "=" (expected container=image:tag)'],
    ['vote=app:.hidden', 'the tag must be 1 to 128 letters, digits, "_", "." or "-", not starting with "." or "-"'],
    [`vote=app:${'t'.repeat(129)}`, 'the tag must be 1 to 128 letters, digits, "_", "." or "-", not starting with "." or "-"'],
    ['vote=app@sha256:abc', 'the sha256 digest must be 64 lower-case hex digits'],
    ['vote=app@md5:abc', 'the digest after "@" must be sha256:<64 hex digits> (or sha512:<128>)'],
    ['vote=registry.example.com//app', 'the image has an empty path part (a leading, doubled or trailing "/")'],
    ['vote=app-/x', 'each part of the repository path must be lower-case letters and digits, joined by ".", "_", "__" or "-"'],
    ['vote=bad-.example.com/app', 'the registry must be a host name or address, with an optional :port'],
    [`vote=registry.example.com/${'a'.repeat(250)}`, 'the image name is longer than 255 characters'],
    ['vote:1', 'expected container=image:tag']
  ])('refuses %s, saying what is wrong', (value, message) => {
    expect(image(value)).toEqual([`input "image": ${message}`])
  })

  it('never repeats a refused image reference, which may hold a credential', () => {
    const found = image('vote=user:ghp_secretToken123@registry.example.com/app:1').join('\n')
    expect(found).toMatch(/^input "image": /)
    expect(found).not.toContain('ghp_secretToken123')
  })

  it('checks the context, the templates and the check name', () => {
    expect(problems({ command: 'analyze', context: 'arn:aws:eks:eu-west-1:123456789012:cluster/qa' })).toEqual([])
    expect(problems({ command: 'analyze', context: 'gke_project_europe-west1_qa' })).toEqual([])
    expect(problems({ command: 'analyze', context: 'qa\n::set-output name=verdict::Successful' })).toEqual([
      'input "context": must be a kubeconfig context name, without spaces or control characters'
    ])
    expect(problems({ command: 'analyze', context: '--kubeconfig=/tmp/x' })).toEqual(['input "context": must be a kubeconfig context name, not an option'])
    expect(problems({ command: 'analyze', templates: 'error-rate, latency\n$(id)' })).toEqual([
      'input "templates": "$(id)" is not a valid template name (lower-case letters, digits, "-" and ".")'
    ])
    expect(problems({ command: 'analyze', 'check-name': 'canary-gate / qa' })).toEqual([])
    expect(problems({ command: 'analyze', 'check-name': 'gate\u0000' })).toEqual(['input "check-name": must be one line of at most 255 characters (it names the check on the commit)'])
  })

  it('bounds the durations, so that a typo neither holds a runner for years nor polls without pause', () => {
    expect(problems({ command: 'analyze', timeout: '1e9h', 'poll-interval': '10ms', 'kubectl-timeout': '1000000h' })).toEqual([
      'input "timeout": "1e9h" is not a positive duration (e.g. 30s, 10m, 1h)',
      'input "poll-interval": "10ms" is shorter than 1s, the least it may be (the rollout is read once per poll)',
      'input "kubectl-timeout": "1000000h" is longer than 10m, the most it may be (each kubectl request is bounded by it, and retried)'
    ])
    expect(problems({ command: 'analyze', timeout: `${'9'.repeat(400)}h` })).toEqual([
      'input "timeout": "99999999999999999999…" is longer than 120h, the most it may be (a job runs at most 5 days, even on a self-hosted runner)'
    ])
    expect(read({ command: 'analyze', timeout: '120h', 'poll-interval': '1s', 'kubectl-timeout': '10m' })).toMatchObject({ timeoutMs: 432_000_000, pollIntervalMs: 1000, kubectlTimeoutMs: 600_000 })
  })

  it('checks URLs without repeating them, since they may carry a token', () => {
    const found = problems({ command: 'analyze', 'prometheus-url': 'ftp://user:hunter2@prom', 'newrelic-graphql-url': 'https://api.example.com/graphql?token=abc\nx', 'newrelic-account-id': 'NRAK-SECRET123' })
    expect(found).toEqual([
      'input "newrelic-graphql-url": must be an http(s) URL, without spaces or control characters',
      'input "newrelic-account-id": must be a number (the New Relic account ID)',
      'input "prometheus-url": must be an http(s) URL'
    ])
    expect(found.join('\n')).not.toMatch(/hunter2|token=abc|NRAK-SECRET123/)
  })
})

describe('inputs of a Deployment target', () => {
  it('defaults to an Argo Rollout; target-kind deployment reads the deployment, router, ingress and threshold', () => {
    // no router given: nginx for Argo-style steps, what the Canary says for a Flagger Canary
    expect(read({ rollout: 'vote' })).toMatchObject({ targetKind: 'rollout', router: undefined, canaryReadyThreshold: 100 })
    expect(read({ 'target-kind': 'deployment', deployment: 'podinfo', ingress: 'web', 'canary-ready-threshold': '80' })).toMatchObject({
      targetKind: 'deployment',
      deployment: 'podinfo',
      router: undefined,
      ingress: 'web',
      canaryReadyThreshold: 80
    })
    expect(read({ 'target-kind': 'deployment', deployment: 'podinfo', router: 'gateway-api', route: 'podinfo-route' })).toMatchObject({ router: 'gateway-api', route: 'podinfo-route' })
  })

  it('names each mistake', () => {
    expect(problems({ 'target-kind': 'deployment', command: 'abort' })).toEqual(['input "deployment": is required with target-kind deployment: the name of the Deployment whose canary the gate drives'])
    // run may take the Deployment from a Flagger Canary in the plan: checked with the plan
    expect(problems({ 'target-kind': 'deployment' })).toEqual([])
    expect(problems({ 'target-kind': 'deployment', deployment: 'podinfo', router: 'istio' })).toEqual(['input "router": must be one of nginx, gateway-api, got "istio"'])
    expect(problems({ 'target-kind': 'deployment', deployment: 'podinfo', router: 'gateway-api', ingress: 'web' })).toEqual([
      'input "ingress": names an nginx Ingress, and router is gateway-api (use the input "route")'
    ])
    expect(problems({ 'target-kind': 'deployment', deployment: 'podinfo', 'canary-ready-threshold': '0' })).toEqual([
      'input "canary-ready-threshold": must be a percentage above 0 and at most 100, got "0"'
    ])
    expect(problems({ 'target-kind': 'deployment', deployment: 'Pod_Info' })[0]).toMatch(/^input "deployment": "Pod_Info" is not a valid Kubernetes name/)
  })
})
