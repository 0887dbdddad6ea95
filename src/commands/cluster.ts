// The commands that drive a Rollout in the cluster, loaded together on demand (one chunk: they share
// the kubectl wrapper and the Rollout client).
export { run } from './run.js'
export { manage } from './manage.js'
