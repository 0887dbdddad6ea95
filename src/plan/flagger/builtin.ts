// Flagger's built-in metrics for the two routers canary-gate reads, as Flagger's observers query them
// (fluxcd/flagger 15bd6ad5: pkg/metrics/observers/nginx.go, and http.go, the observer
// Flagger uses for the gatewayapi provider). The query texts are Flagger's own, byte for byte
// (__tests__/fixtures/flagger/builtin-queries.json holds them as read from that commit); they are
// Go templates over the same model as a MetricTemplate's query (render.ts).

export const FLAGGER_SOURCE_COMMIT = '15bd6ad555e6c935da55f0ab95977be74c149bd6'

export const BUILTIN_METRICS = ['request-success-rate', 'request-duration'] as const
export type BuiltinMetric = (typeof BUILTIN_METRICS)[number]

export function isBuiltinMetric(name: string): name is BuiltinMetric {
  return (BUILTIN_METRICS as readonly string[]).includes(name)
}

/** The routers canary-gate reads a Flagger Canary for. */
export const ROUTER_PROVIDERS = ['nginx', 'gatewayapi'] as const
export type RouterProvider = (typeof ROUTER_PROVIDERS)[number]

export const BUILTIN_QUERIES: Record<RouterProvider, Record<BuiltinMetric, string>> = {
  // nginxQueries: the ingress controller's counters, on the canary ingress (`canary!=''`).
  nginx: {
    'request-success-rate':
      '\n\tsum(\n\t\trate(\n\t\t\tnginx_ingress_controller_requests{\n\t\t\t\tnamespace="{{ namespace }}",\n\t\t\t\tingress="{{ ingress }}",\n\t\t\t\tcanary!="",\n\t\t\t\tstatus!~"5.*"\n\t\t\t}[{{ interval }}]\n\t\t)\n\t) \n\t/ \n\tsum(\n\t\trate(\n\t\t\tnginx_ingress_controller_requests{\n\t\t\t\tnamespace="{{ namespace }}",\n\t\t\t\tingress="{{ ingress }}",\n\t\t\t\tcanary!=""\n\t\t\t}[{{ interval }}]\n\t\t)\n\t) \n\t* 100',
    'request-duration':
      '\n\tsum(\n\t\trate(\n\t\t\tnginx_ingress_controller_response_duration_seconds_sum{\n\t\t\t\tnamespace="{{ namespace }}",\n\t\t\t\tingress="{{ ingress }}",\n\t\t\t\tcanary!=""\n\t\t\t}[{{ interval }}]\n\t\t)\n\t) \n\t/ \n\tsum(\n\t\trate(\n\t\t\tnginx_ingress_controller_response_duration_seconds_count{\n\t\t\t\tnamespace="{{ namespace }}",\n\t\t\t\tingress="{{ ingress }}",\n\t\t\t\tcanary!=""\n\t\t\t}[{{ interval }}]\n\t\t)\n\t) \n\t* 1000'
  },
  // httpQueries: the app's own http_request_duration_seconds histogram, on the canary's pods.
  gatewayapi: {
    'request-success-rate':
      '\n\tsum(\n\t\trate(\n\t\t\thttp_request_duration_seconds_count{\n\t\t\t\tkubernetes_namespace="{{ namespace }}",\n\t\t\t\tkubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)",\n\t\t\t\tstatus!~"5.*"\n\t\t\t}[{{ interval }}]\n\t\t)\n\t) \n\t/ \n\tsum(\n\t\trate(\n\t\t\thttp_request_duration_seconds_count{\n\t\t\t\tkubernetes_namespace="{{ namespace }}",\n\t\t\t\tkubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"\n\t\t\t}[{{ interval }}]\n\t\t)\n\t) \n\t* 100',
    'request-duration':
      '\n\thistogram_quantile(\n\t\t0.99,\n\t\tsum(\n\t\t\trate(\n\t\t\t\thttp_request_duration_seconds_bucket{\n\t\t\t\t\tkubernetes_namespace="{{ namespace }}",\n\t\t\t\t\tkubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"\n\t\t\t\t}[{{ interval }}]\n\t\t\t)\n\t\t) by (le)\n\t)'
  }
}

/**
 * What Flagger does with the answer besides the query: nginx's request-duration is already in
 * milliseconds (`* 1000` in the query); the HTTP observer's is in seconds and Flagger multiplies it
 * by 1000 in Go (GetRequestDuration). canary-gate measures the query alone, so that one gets the
 * same factor appended, and both compare with thresholdRange in milliseconds as Flagger does.
 */
export const BUILTIN_SUFFIX: Record<RouterProvider, Record<BuiltinMetric, string>> = {
  nginx: { 'request-success-rate': '', 'request-duration': '' },
  gatewayapi: { 'request-success-rate': '', 'request-duration': ' * 1000' }
}
