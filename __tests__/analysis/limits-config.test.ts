// Limits that can never be reached are configuration errors, each at its file and line with the
// metric and the field, before anything is measured.
import { describe, expect, it } from '@jest/globals'
import { instantiateFile, templateText } from './template-file.js'

/** The configuration problems of one template file holding `metrics` (YAML, indented 4). */
async function problemsOf(metrics: string, spec = ''): Promise<string[]> {
  return (await instantiateFile(templateText(metrics, spec))).problems
}

const metricWith = (name: string, fields: string) => `    - name: ${name}
${fields
  .trim()
  .split('\n')
  .map((line) => `      ${line.trim()}`)
  .join('\n')}
      successCondition: result[0] < 1
      provider:
        prometheus: { query: up }`

describe('limits that can never be reached', () => {
  it('refuses failureLimit ≥ count: the metric could fail every measurement and still pass', async () => {
    expect(await problemsOf(metricWith('errors', 'interval: 1m\ncount: 3\nfailureLimit: 3'))).toEqual([
      't.yaml:10: metric "errors": failureLimit: failureLimit 3 is not below count 3: the metric could fail every measurement and never fail; use at most 2'
    ])
    // count 1 is the default without an interval
    expect(await problemsOf(metricWith('once', 'failureLimit: 1'))).toEqual([
      't.yaml:8: metric "once": failureLimit: failureLimit 1 is not below count 1: the metric could fail every measurement and never fail; use at most 0'
    ])
  })

  it('refuses inconclusiveLimit ≥ count: no data throughout would never end the metric', async () => {
    expect(await problemsOf(metricWith('errors', 'interval: 1m\ncount: 2\ninconclusiveLimit: 5'))).toEqual([
      't.yaml:10: metric "errors": inconclusiveLimit: inconclusiveLimit 5 is not below count 2: every measurement could be inconclusive (no data) and the metric never end inconclusive; use at most 1'
    ])
  })

  it("keeps Argo's rule count ≥ failureLimit + consecutiveSuccessLimit", async () => {
    expect(await problemsOf(metricWith('streak', 'interval: 1m\ncount: 4\nfailureLimit: 2\nconsecutiveSuccessLimit: 3'))).toEqual([
      't.yaml:9: metric "streak": count: count 4 must be at least failureLimit + consecutiveSuccessLimit (5)'
    ])
    expect(await problemsOf(metricWith('streak', 'interval: 1m\ncount: 5\nfailureLimit: 2\nconsecutiveSuccessLimit: 3'))).toEqual([])
    expect(await problemsOf(metricWith('streak', 'interval: 1m\ncount: 2\nfailureLimit: -1\nconsecutiveSuccessLimit: 2'))).toEqual([])
  })

  it('accepts the limits people use, and any limit on a metric that runs until stopped', async () => {
    expect(await problemsOf(metricWith('seed', 'interval: 1m\ncount: 2\nfailureLimit: 1'))).toEqual([])
    expect(await problemsOf(metricWith('lax', 'interval: 1m\ncount: 3\nfailureLimit: 2\ninconclusiveLimit: 2'))).toEqual([])
    expect(await problemsOf(metricWith('forever', 'interval: 1m\nfailureLimit: 10\ninconclusiveLimit: 10'))).toEqual([])
  })

  it('reports every unreachable limit of a metric at once', async () => {
    expect(await problemsOf(metricWith('both', 'interval: 1m\ncount: 2\nfailureLimit: "{{args.n}}"\ninconclusiveLimit: 2'), '  args:\n    - name: n\n      value: "4"\n')).toEqual([
      expect.stringMatching(/^t\.yaml:\d+: metric "both": failureLimit: failureLimit 4 is not below count 2/),
      expect.stringMatching(/^t\.yaml:\d+: metric "both": inconclusiveLimit: inconclusiveLimit 2 is not below count 2/)
    ])
  })
})
