// A clock for unit tests with in-memory fakes: time moves only when every task is waiting on it,
// jumping straight to the earliest wake-up, so a 30-minute plan runs in milliseconds and the
// recorded times are exact. Not for tests with real I/O in flight (use scaledClock there).
import type { Clock } from '../../src/clock.js'

interface Timer {
  at: number
  seq: number
  fire: () => void
}

export class VirtualClock implements Clock {
  private time: number
  private seq = 0
  private timers: Timer[] = []
  private pumping = false

  constructor(start = Date.UTC(2026, 1, 4, 7, 0, 0)) {
    this.time = start
  }

  now(): number {
    return this.time
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason)
      const timer: Timer = {
        at: this.time + Math.max(0, ms),
        seq: this.seq++,
        fire: () => {
          signal?.removeEventListener('abort', onAbort)
          resolve()
        }
      }
      const onAbort = (): void => {
        this.timers = this.timers.filter((t) => t !== timer)
        reject(signal?.reason)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.add(timer)
    })
  }

  timeoutSignal(ms: number): AbortSignal {
    const controller = new AbortController()
    this.add({ at: this.time + ms, seq: this.seq++, fire: () => controller.abort(new DOMException('timed out', 'TimeoutError')) })
    return controller.signal
  }

  /** Timers still waiting (for assertions that nothing leaks). */
  get pending(): number {
    return this.timers.length
  }

  private add(timer: Timer): void {
    this.timers.push(timer)
    this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq)
    this.schedule()
  }

  private schedule(): void {
    if (this.pumping) return
    this.pumping = true
    // setImmediate runs after every pending promise callback: everyone is waiting on the clock.
    setImmediate(() => {
      this.pumping = false
      const next = this.timers.shift()
      if (!next) return
      this.time = Math.max(this.time, next.at)
      next.fire()
      if (this.timers.length) this.schedule()
    })
  }
}
