// What the bundle gets for @octokit/plugin-rest-endpoint-methods (see scripts/bundle/tsconfig.json).
// @actions/github builds every Octokit with this plugin, whose map of GitHub's REST methods
// (octokit.rest.issues.createComment, …) is 83 KB of the bundle. canary-gate calls GitHub only through
// octokit.request(route) and octokit.paginate(route) (src/github/client.ts), so the map is left out;
// octokit.rest says so instead of failing obscurely, should anything reach for it.
export function restEndpointMethods() {
  const missing = (_target, name) => {
    if (typeof name !== 'string' || name === 'then') return undefined
    throw new Error(`octokit.rest.${name} is not in canary-gate's bundle: call octokit.request('METHOD /route', parameters) (scripts/bundle/octokit-rest-endpoint-methods.js)`)
  }
  return { rest: new Proxy({}, { get: missing }) }
}
restEndpointMethods.VERSION = 'omitted from the bundle'

export const legacyRestEndpointMethods = restEndpointMethods
