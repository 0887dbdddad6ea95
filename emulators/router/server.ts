// The emulated nginx / Gateway in front of the emulated cluster: streams of requests at a rate per clock
// minute, split by the cluster's Ingresses and HTTPRoutes (routes.ts) and served by ready pods
// (traffic.ts), and a loopback HTTP server whose GET /metrics a real Prometheus scrapes.
//
// Time: traffic advances with the kube emulator's (scaled) clock. A stream of 60 per minute at time
// scale 600 sends 600 requests per real minute. Prometheus stamps scraped samples with its own (real)
// time, so rate() over a scrape reads per real second: divide by the time scale for clock seconds.

import { createServer } from 'node:http'
import type { Clock } from '../../src/clock.js'
import { closeServer, listen } from '../http.js'
import { exposition, EXPOSITION_CONTENT_TYPE } from './metrics.js'
import type { ClusterView, RequestShape, Via } from './routes.js'
import { seededRandom, Traffic, type Behavior, type VersionMatch, type VersionTotals } from './traffic.js'

export type { Behavior, RequestShape, Via, VersionMatch, VersionTotals }

export interface StreamOptions extends RequestShape {
  via: Via
  /** Requests per clock minute. */
  perMinute: number
}

export interface RouterEmulator {
  /** http://127.0.0.1:PORT — GET /metrics serves the exposition text. */
  url: string
  /** host:port, for a Prometheus scrape config's targets. */
  target: string
  traffic: Traffic
  /** Starts a stream of requests; returns the function that stops it. */
  addStream(stream: StreamOptions): () => void
  /** Sends `count` requests now (on top of the streams). */
  send(via: Via, count: number, request?: RequestShape): void
  setBehavior(match: VersionMatch, behavior: Behavior): void
  /** Advances the streams to the clock's now (the timer does this every tickMs). */
  tick(): void
  close(): Promise<void>
}

export interface RouterOptions {
  /** What routes come from: the kube emulator. */
  cluster: ClusterView & { clock: Clock }
  /** Seed of the router's random choices (default 1). */
  seed?: number
  /** How often the streams advance, in real ms (default 100). */
  tickMs?: number
}

export async function startRouter(options: RouterOptions): Promise<RouterEmulator> {
  const { cluster } = options
  const clock = cluster.clock
  const traffic = new Traffic(cluster, () => clock.now(), seededRandom(options.seed ?? 1))
  const streams = new Set<{ stream: StreamOptions; last: number; carry: number }>()

  const tick = (): void => {
    const now = clock.now()
    for (const entry of streams) {
      const due = (entry.stream.perMinute * (now - entry.last)) / 60_000 + entry.carry
      const count = Math.floor(due)
      entry.carry = due - count
      entry.last = now
      try {
        traffic.send(entry.stream.via, count, entry.stream)
      } catch {
        // The Ingress or HTTPRoute is not there (yet): those requests find no route.
      }
    }
  }
  const timer = setInterval(tick, options.tickMs ?? 100)
  timer.unref()

  const server = createServer((req, res) => {
    if (req.method === 'GET' && (req.url ?? '').split('?')[0] === '/metrics') {
      tick()
      const text = exposition([traffic.requests, traffic.nginxDuration, traffic.podDuration])
      res.writeHead(200, { 'content-type': EXPOSITION_CONTENT_TYPE, 'content-length': Buffer.byteLength(text) })
      return res.end(text)
    }
    res.writeHead(404, { 'content-type': 'text/plain' })
    res.end('404 page not found\n')
  })
  const port = await listen(server)

  return {
    url: `http://127.0.0.1:${port}`,
    target: `127.0.0.1:${port}`,
    traffic,
    addStream(stream) {
      const entry = { stream, last: clock.now(), carry: 0 }
      streams.add(entry)
      return () => {
        streams.delete(entry)
      }
    },
    send: (via, count, request) => traffic.send(via, count, request),
    setBehavior: (match, behavior) => traffic.setBehavior(match, behavior),
    tick,
    async close() {
      clearInterval(timer)
      streams.clear()
      await closeServer(server)
    }
  }
}
