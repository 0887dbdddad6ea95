// The inputs as a workflow author writes them: defaults, regions, and one message per mistake.
import { describe, expect, it } from '@jest/globals'
import { ConfigError, formatIssue } from '../../src/config-error.js'
import { readInputs } from '../../src/inputs.js'
import { Secrets } from '../../src/secrets.js'

const read = (values: Record<string, string>, secrets = new Secrets()) => readInputs((name) => values[name] ?? '', secrets)

function problems(values: Record<string, string>): string[] {
  try {
    read(values)
    return []
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map(formatIssue)
    throw error
  }
}

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
      'input "command": must be one of run, analyze, promote, abort, retry, status, got "deploy"',
      'input "namespace": "QA_ns" is not a valid Kubernetes name (lower-case letters, digits and "-")',
      'input "newrelic-region": must be one of us, eu, got "asia"',
      'input "newrelic-account-id": must be a number (the New Relic account ID), got "abc"',
      'input "comment": must be true or false, got "yes"',
      'input "timeout": "soon" is not a positive duration (e.g. 30s, 10m, 1h)'
    ])
  })

  it('needs a rollout for every command but analyze, and checks its name', () => {
    expect(problems({ command: 'run' })).toEqual(['input "rollout": is required for command run: the name of the Argo Rollout to drive'])
    expect(problems({ command: 'run', rollout: 'vote;rm -rf /' })[0]).toMatch(/^input "rollout": "vote;rm -rf \/" is not a valid Kubernetes name/)
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
