// A loopback HTTP server that answers every request the same broken way: a status and body, a hang,
// a reset, or a body cut short. For failure shapes no emulator of a real API has.
import { createServer, type Server } from 'node:http'
import { closeServer, listen } from '../../emulators/http.js'

export type FaultAnswer =
  | { kind: 'answer'; status: number; body: string; contentType?: string }
  | { kind: 'hang' }
  | { kind: 'reset' }
  | { kind: 'truncated'; body: string }

export interface FaultServer {
  url: string
  close(): Promise<void>
}

export async function startFaultServer(answer: FaultAnswer): Promise<FaultServer> {
  const server: Server = createServer((req, res) => {
    req.resume()
    switch (answer.kind) {
      case 'answer':
        res.writeHead(answer.status, { 'content-type': answer.contentType ?? 'application/json' }).end(answer.body)
        return
      case 'hang':
        return
      case 'reset':
        req.socket.destroy()
        return
      case 'truncated':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(answer.body.length * 2) })
        res.write(answer.body)
        setTimeout(() => req.socket.destroy(), 20)
        return
    }
  })
  const port = await listen(server)
  return { url: `http://127.0.0.1:${port}`, close: () => closeServer(server) }
}
