// A small HTTP proxy on loopback, as a corporate proxy stands between a self-hosted runner and the
// outside: it forwards plain-HTTP requests (absolute URL in the request line) and tunnels anything
// else with CONNECT. It resolves every host name itself and connects to 127.0.0.1, so a target can be
// addressed by a name only the proxy knows (`metrics.proxied.test`): an answer for such a name can only
// have come through the proxy. It records every host it is asked for.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, request, type IncomingMessage, type RequestListener, type Server } from 'node:http'
import { createServer as createTlsServer } from 'node:https'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { closeServer, listen } from '../../emulators/http.js'

export interface ProxyRequest {
  /** `forward`: a plain-HTTP request relayed; `connect`: a tunnel (https targets). */
  how: 'forward' | 'connect'
  /** host:port as the client asked for it. */
  host: string
  /** The Proxy-Authorization header, if any. */
  authorization?: string
}

export interface ProxyServer {
  /** http://127.0.0.1:PORT, for HTTP_PROXY / HTTPS_PROXY. */
  url: string
  /** Every request, in order. */
  requests: ProxyRequest[]
  /** The host:port of every request, in order. */
  hosts(): string[]
  close(): Promise<void>
}

export interface ProxyOptions {
  /** `user:password` the proxy demands (Basic); without it, anything is relayed. */
  credentials?: string
}

const authorized = (options: ProxyOptions, header: string | undefined): boolean =>
  options.credentials === undefined || header === `Basic ${Buffer.from(options.credentials).toString('base64')}`

const DENIED = 'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="corp"\r\nContent-Type: text/plain\r\nContent-Length: 22\r\nConnection: close\r\n\r\nproxy login required\r\n'

/** `host:port` → the port (the host is resolved by this proxy: always loopback). */
function portOf(hostPort: string, fallback: number): number {
  const port = Number(/:(\d+)$/.exec(hostPort)?.[1])
  return Number.isInteger(port) && port > 0 ? port : fallback
}

export async function startProxy(options: ProxyOptions = {}): Promise<ProxyServer> {
  const requests: ProxyRequest[] = []
  const sockets = new Set<Socket>()
  const track = (socket: Socket): void => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  }

  const server: Server = createServer((req: IncomingMessage, res) => {
    let target: URL
    try {
      target = new URL(req.url ?? '')
    } catch {
      // Not an absolute URL: the client talked to the proxy as if it were the server.
      res.writeHead(400, { 'content-type': 'text/plain' }).end('not a proxy request\n')
      return
    }
    const authorization = req.headers['proxy-authorization']
    requests.push({ how: 'forward', host: target.host, authorization })
    if (!authorized(options, authorization)) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="corp"', 'content-type': 'text/plain' }).end('proxy login required\n')
      return
    }
    const headers = { ...req.headers }
    delete headers['proxy-authorization']
    delete headers['proxy-connection']
    const upstream = request(
      { host: '127.0.0.1', port: portOf(target.host, 80), method: req.method, path: `${target.pathname}${target.search}`, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      }
    )
    upstream.on('socket', track)
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end('bad gateway\n')
      else res.destroy()
    })
    req.pipe(upstream)
  })

  server.on('connection', track)
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const host = req.url ?? ''
    const authorization = req.headers['proxy-authorization']
    requests.push({ how: 'connect', host, authorization })
    if (!authorized(options, authorization)) {
      client.end(DENIED)
      return
    }
    const upstream = connect(portOf(host, 443), '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    track(upstream)
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'))
    client.on('error', () => upstream.destroy())
  })

  const port = await listen(server)
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    hosts: () => requests.map((r) => r.host),
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await closeServer(server)
    }
  }
}

/**
 * An HTTPS server on loopback with a fresh self-signed certificate (made with openssl), as internal
 * metric endpoints often have: a client that verifies certificates refuses it.
 */
export async function startSelfSignedServer(handler: RequestListener): Promise<{ port: number; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'canary-gate-tls-'))
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=metrics.internal', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' })
    const server = createTlsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, handler)
    const port = await listen(server)
    return { port, close: () => closeServer(server) }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
