// A loopback HTTP server that answers every request the same broken way (or a set sequence of ways):
// a status and body, a hang, a reset, a body cut short, a body that stalls, a huge or a gzip-packed
// huge body, or an answer built from the request (a server that echoes what it was sent). For failure
// shapes no emulator of a real API has.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import { gzipSync } from 'node:zlib'
import { closeServer, listen, readBody } from '../../emulators/http.js'

export interface SeenRequest {
  method: string
  /** Path and query as sent. */
  url: string
  headers: IncomingHttpHeaders
  body: string
  /** Body bytes sent back so far (for answers streamed to the client). */
  sentBytes: number
  /** The connection closed (the answer was sent, or the client hung up). */
  closed: boolean
}

export type FaultAnswer =
  | { kind: 'answer'; status: number; body: string; contentType?: string; headers?: Record<string, string> }
  | { kind: 'hang' }
  | { kind: 'reset' }
  /** Promises twice the body's length, sends the body, then drops the connection. */
  | { kind: 'truncated'; body: string }
  /** Sends the status line, the headers and `body`, then never finishes. */
  | { kind: 'stall'; body: string }
  /** A 200 whose body is `bytes` long: `head`, filler, `tail`, streamed (never held in memory whole). */
  | { kind: 'huge'; bytes: number; head?: string; tail?: string; chunked?: boolean }
  /** A small gzip body (Content-Encoding: gzip) that unpacks to `bytes`: `head`, filler, `tail`. */
  | { kind: 'compressed'; bytes: number; head?: string; tail?: string }
  /** An answer made from the request, for servers that echo credentials back. */
  | { kind: 'echo'; status: number; body: (request: SeenRequest) => string; contentType?: string }

export interface FaultServer {
  url: string
  requests: SeenRequest[]
  /** Changes the answer for the requests that follow. */
  setAnswer(answer: FaultAnswer): void
  /** Answers the requests that follow with these in turn; the last one repeats. */
  setAnswers(answers: FaultAnswer[]): void
  close(): Promise<void>
}

const FILLER = Buffer.alloc(64 * 1024, 'x')

export async function startFaultServer(first: FaultAnswer): Promise<FaultServer> {
  let answers = [first]
  const requests: SeenRequest[] = []
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req).catch(() => '')
    const seen: SeenRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, sentBytes: 0, closed: false }
    requests.push(seen)
    res.on('close', () => (seen.closed = true))
    const current = answers.length > 1 ? answers.shift()! : answers[0]
    switch (current.kind) {
      case 'answer':
        res.writeHead(current.status, { 'content-type': current.contentType ?? 'application/json', ...current.headers }).end(current.body)
        return
      case 'echo':
        res.writeHead(current.status, { 'content-type': current.contentType ?? 'application/json' }).end(current.body(seen))
        return
      case 'hang':
        return
      case 'reset':
        req.socket.destroy()
        return
      case 'truncated':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(current.body) * 2) })
        res.write(current.body)
        setTimeout(() => req.socket.destroy(), 20)
        return
      case 'stall':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(current.body) + 100) })
        res.write(current.body)
        return
      case 'compressed': {
        const head = Buffer.from(current.head ?? '')
        const tail = Buffer.from(current.tail ?? '')
        const packed = gzipSync(Buffer.concat([head, Buffer.alloc(Math.max(0, current.bytes - head.length - tail.length), 'x'), tail]))
        seen.sentBytes = packed.length
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(packed.length) }).end(packed)
        return
      }
      case 'huge': {
        // Without a length the body is chunked: the client only learns its size by reading it.
        res.writeHead(200, { 'content-type': 'application/json', ...(current.chunked ? {} : { 'content-length': String(current.bytes) }) })
        let sent = 0
        const head = Buffer.from(current.head ?? '')
        const tail = Buffer.from(current.tail ?? '')
        const fillerEnd = current.bytes - tail.length
        // Streams with backpressure; stops as soon as the client hangs up.
        const pump = (): void => {
          while (sent < current.bytes && !res.destroyed) {
            const chunk =
              sent === 0 && head.length > 0 ? head : sent >= fillerEnd ? tail : FILLER.subarray(0, Math.min(FILLER.length, fillerEnd - sent))
            sent += chunk.length
            seen.sentBytes = sent
            if (!res.write(chunk)) return void res.once('drain', pump)
          }
          if (!res.destroyed) res.end()
        }
        res.on('close', () => (sent = current.bytes))
        pump()
        return
      }
    }
  })
  const port = await listen(server)
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setAnswer(next) {
      answers = [next]
    },
    setAnswers(next) {
      answers = [...next]
    },
    close: () => closeServer(server)
  }
}
