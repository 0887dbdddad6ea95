// The router objects exactly as Flagger writes them (reference: "Routers as Flagger writes them").
import { describe, expect, it } from '@jest/globals'
import { headerRules, primaryServiceOf, routeWeightOf, weightedRules } from '../../src/targets/routers/gateway-api.js'
import { canaryIngress, matchAnnotations, weightOf, weightPatch } from '../../src/targets/routers/nginx.js'

const P = 'nginx.ingress.kubernetes.io/'
const main = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'podinfo', namespace: 'test', labels: { app: 'podinfo' }, annotations: { 'kubernetes.io/ingress.class': 'nginx' } },
  spec: { rules: [{ host: 'app.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'podinfo-primary', port: { number: 80 } } } }] } }] }
}
const route = {
  spec: {
    parentRefs: [{ name: 'gateway' }],
    rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/api' } }], backendRefs: [{ name: 'podinfo-primary', port: 9898, weight: 100 }] }]
  }
}

describe('nginx', () => {
  it('clones the Ingress as <ingress>-canary to the canary Service, canary "true", canary-weight "0"', () => {
    expect(canaryIngress(main, 'podinfo-canary')).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'podinfo-canary', namespace: 'test', labels: { app: 'podinfo' }, annotations: { 'kubernetes.io/ingress.class': 'nginx', [`${P}canary`]: 'true', [`${P}canary-weight`]: '0' } },
      spec: { rules: [{ host: 'app.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'podinfo-canary', port: { number: 80 } } } }] } }] }
    })
    expect(main.spec.rules[0].http.paths[0].backend.service.name).toBe('podinfo-primary')
  })

  it('a weighted step sets canary-weight as a string and drops any A/B annotation', () => {
    expect(weightPatch(35)).toEqual({
      metadata: {
        annotations: {
          [`${P}canary`]: 'true',
          [`${P}canary-weight`]: '35',
          [`${P}canary-by-header`]: null,
          [`${P}canary-by-header-value`]: null,
          [`${P}canary-by-header-pattern`]: null,
          [`${P}canary-by-cookie`]: null
        }
      }
    })
    expect(weightOf({ metadata: { annotations: { [`${P}canary`]: 'true', [`${P}canary-weight`]: '35' } } })).toBe(35)
    expect(weightOf({ metadata: { annotations: { [`${P}canary-weight`]: '35' } } })).toBe(0)
  })

  it('A/B: cookie → canary-by-cookie; a header → canary-by-header with -value or -pattern; the last match wins', () => {
    expect(matchAnnotations([{ header: 'x-canary', exact: 'insider' }])).toEqual({ [`${P}canary`]: 'true', [`${P}canary-weight`]: '0', [`${P}canary-by-header`]: 'x-canary', [`${P}canary-by-header-value`]: 'insider' })
    expect(matchAnnotations([{ header: 'user-agent', regex: '.*Firefox.*' }])).toMatchObject({ [`${P}canary-by-header`]: 'user-agent', [`${P}canary-by-header-pattern`]: '.*Firefox.*' })
    expect(matchAnnotations([{ header: 'x-canary', exact: 'insider' }, { header: 'cookie', exact: 'canary' }])).toEqual({ [`${P}canary`]: 'true', [`${P}canary-weight`]: '0', [`${P}canary-by-cookie`]: 'canary' })
  })
})

describe('Gateway API', () => {
  it('the rule that serves the primary carries backendRefs [primary 100 - w, canary w], keeping its matches and ports', () => {
    expect(weightedRules(route, 'podinfo-primary', 'podinfo-canary', 20)).toEqual([
      {
        matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
        backendRefs: [
          { name: 'podinfo-primary', port: 9898, weight: 80 },
          { name: 'podinfo-canary', port: 9898, weight: 20 }
        ]
      }
    ])
    const noMatches = { spec: { rules: [{ backendRefs: [{ name: 'podinfo-primary', port: 80 }] }] } }
    expect(weightedRules(noMatches, 'podinfo-primary', 'podinfo-canary', 0)[0].matches).toEqual([{ path: { type: 'PathPrefix', value: '/' } }])
    expect(routeWeightOf({ spec: { rules: weightedRules(route, 'podinfo-primary', 'podinfo-canary', 20) } }, 'podinfo-primary', 'podinfo-canary')).toBe(20)
    expect(routeWeightOf(route, 'podinfo-primary', 'podinfo-canary')).toBe(0)
  })

  it('A/B: rule 0 adds the header matches and sends them to the canary; rule 1 sends the rest to the primary', () => {
    expect(headerRules(route, 'podinfo-primary', 'podinfo-canary', [{ header: 'x-canary', exact: 'insider' }, { header: 'user-agent', regex: '.*Firefox.*' }])).toEqual([
      {
        matches: [{ path: { type: 'PathPrefix', value: '/api' }, headers: [{ name: 'x-canary', type: 'Exact', value: 'insider' }, { name: 'user-agent', type: 'RegularExpression', value: '.*Firefox.*' }] }],
        backendRefs: [
          { name: 'podinfo-primary', port: 9898, weight: 0 },
          { name: 'podinfo-canary', port: 9898, weight: 100 }
        ]
      },
      {
        matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
        backendRefs: [
          { name: 'podinfo-primary', port: 9898, weight: 100 },
          { name: 'podinfo-canary', port: 9898, weight: 0 }
        ]
      }
    ])
  })

  it("finds the primary's Service: <name>-primary when the route has it, else the backend that is not the canary", () => {
    expect(primaryServiceOf(route, 'podinfo-primary', 'podinfo-canary')).toBe('podinfo-primary')
    const plain = { spec: { rules: [{ backendRefs: [{ name: 'podinfo-canary', weight: 0 }, { name: 'podinfo', port: 80 }] }] } }
    expect(primaryServiceOf(plain, 'podinfo-primary', 'podinfo-canary')).toBe('podinfo')
    expect(primaryServiceOf({ spec: { rules: [] } }, 'podinfo-primary', 'podinfo-canary')).toBeUndefined()
  })
})
