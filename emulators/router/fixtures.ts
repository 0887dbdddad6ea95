// The objects of a plain-Deployment canary as Flagger lays them out: NAME-primary and NAME-canary
// Deployments and Services, the Ingress NAME (to the primary) with its NAME-canary Ingress (nginx canary
// annotations, weight 0), and the HTTPRoute NAME (primary 100, canary 0). toManifest makes a multi-document
// stream of them for `kubectl apply -f -` (kubectl's validation does not know a v1 List here).

import { stringify } from 'yaml'

export interface CanaryFixture {
  name?: string
  namespace?: string
  primaryImage?: string
  canaryImage?: string
  replicas?: number
  host?: string
}

function deployment(name: string, namespace: string, image: string, replicas: number): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'podinfo', image, ports: [{ name: 'http', containerPort: 9898 }] }] } }
    }
  }
}

function service(name: string, namespace: string): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 9898 }] } }
}

function ingress(name: string, namespace: string, host: string, serviceName: string, annotations?: Record<string, string>): Record<string, unknown> {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace, ...(annotations ? { annotations } : {}) },
    spec: {
      ingressClassName: 'nginx',
      rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: serviceName, port: { number: 80 } } } }] } }]
    }
  }
}

/** A multi-document YAML stream, what `kubectl apply -f -` reads. */
export function toManifest(objects: Array<Record<string, unknown>>): string {
  return objects.map((o) => stringify(o)).join('---\n')
}

export function canaryObjects(fixture: CanaryFixture = {}): Array<Record<string, unknown>> {
  const name = fixture.name ?? 'podinfo'
  const namespace = fixture.namespace ?? 'test'
  const host = fixture.host ?? `${name}.example.com`
  const replicas = fixture.replicas ?? 2
  return [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
      deployment(`${name}-primary`, namespace, fixture.primaryImage ?? 'ghcr.io/stefanprodan/podinfo:6.0.0', replicas),
      deployment(`${name}-canary`, namespace, fixture.canaryImage ?? 'ghcr.io/stefanprodan/podinfo:6.0.1', replicas),
      service(`${name}-primary`, namespace),
      service(`${name}-canary`, namespace),
      ingress(name, namespace, host, `${name}-primary`),
      ingress(`${name}-canary`, namespace, host, `${name}-canary`, { 'nginx.ingress.kubernetes.io/canary': 'true', 'nginx.ingress.kubernetes.io/canary-weight': '0' }),
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name, namespace },
        spec: {
          parentRefs: [{ name: 'gateway', namespace: 'istio-ingress' }],
          hostnames: [host],
          rules: [
            {
              matches: [{ path: { type: 'PathPrefix', value: '/' } }],
              backendRefs: [
                { name: `${name}-primary`, port: 80, weight: 100 },
                { name: `${name}-canary`, port: 80, weight: 0 }
              ]
            }
          ]
        }
      }
  ]
}
