// Serves the seed team's /v1/metrics endpoint on a fixed loopback port until stopped, with the
// canary at 2.68% errors — for the CI self-test, which runs the action with `uses: ./` against it.
import { startSeedMetrics } from '../emulators/seed-metrics/server.js'

const port = Number(process.argv[2] ?? 8089)
const server = await startSeedMetrics({ port, apps: { 'voting01-vote-qa': { errorRate: 2.68 }, healthy: { errorRate: 0.4 } } })
console.log(`seed metrics endpoint at ${server.url} (voting01-vote-qa: 2.68% errors, healthy: 0.4%)`)
const stop = (): void => void server.close().then(() => process.exit(0))
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
