// Time is injected everywhere a wait happens, so a 30-minute plan runs in milliseconds in tests and a
// demo can run a real plan at a higher speed. Every wait goes through a Clock; nothing calls
// setTimeout or Date.now directly for plan timing.

export interface Clock {
  /** Milliseconds since the epoch, in the clock's own time. */
  now(): number
  /** Resolves after `ms` of clock time; rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
  /** A signal that aborts after `ms` of clock time (for request budgets). */
  timeoutSignal(ms: number): AbortSignal
}

export class AbortedError extends Error {
  constructor(message = 'aborted') {
    super(message)
    this.name = 'AbortError'
  }
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new AbortedError()
}

function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal))
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, Math.max(0, ms))
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(abortReason(signal as AbortSignal))
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: realSleep,
  timeoutSignal: (ms) => AbortSignal.timeout(Math.max(1, Math.ceil(ms)))
}

/**
 * A clock that runs `scale` times faster than real time from `origin` on. Two processes given the
 * same scale and origin agree on the time, which lets the cluster emulator and the bundle share one
 * timeline in tests and in the demo.
 */
export function scaledClock(scale: number, origin: number = Date.now()): Clock {
  if (!(scale >= 1) || !Number.isFinite(scale)) throw new Error(`time scale must be a number ≥ 1, got ${scale}`)
  const toReal = (ms: number): number => Math.max(0, ms) / scale
  return {
    now: () => origin + (Date.now() - origin) * scale,
    sleep: (ms, signal) => realSleep(toReal(ms), signal),
    // Request budgets keep at least min(budget, 5 s) of real time: a sped-up plan must not turn a
    // loopback answer into a timeout — on a loaded 2-core CI machine those took over 2 s.
    timeoutSignal: (ms) => AbortSignal.timeout(Math.max(1, Math.ceil(Math.max(toReal(ms), Math.min(ms, 5000)))))
  }
}

/** Environment variables that speed up time, for tests and the demo only. */
export const TIME_SCALE_ENV = 'CANARY_GATE_TIME_SCALE'
export const TIME_ORIGIN_ENV = 'CANARY_GATE_TIME_ORIGIN'

export function clockFromEnv(env: NodeJS.ProcessEnv = process.env): { clock: Clock; scale: number } {
  const raw = env[TIME_SCALE_ENV]
  if (raw === undefined || raw === '') return { clock: systemClock, scale: 1 }
  const scale = Number(raw)
  const originRaw = env[TIME_ORIGIN_ENV]
  const origin = originRaw ? Number(originRaw) : Date.now()
  if (!Number.isFinite(origin)) throw new Error(`${TIME_ORIGIN_ENV} must be epoch milliseconds, got "${originRaw}"`)
  return { clock: scaledClock(scale, origin), scale }
}
