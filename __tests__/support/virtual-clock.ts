// A clock for unit tests with in-memory fakes: time moves only when every task is waiting on it,
// jumping straight to the earliest wake-up, so a 30-minute plan runs in milliseconds and the
// recorded times are exact. Not for tests with real I/O in flight (use scaledClock there). The
// decision benchmark (scripts/simulator) runs its canaries on it too. One wake-up per turn of the
// event loop: a metric woken at the same instant as another sees the other's effects first.
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
        this.remove(timer)
        reject(signal?.reason)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.add(timer)
    })
  }

  timeoutSignal(ms: number): AbortSignal {
    const controller = new AbortController()
    this.add({ at: this.time + Math.max(0, ms), seq: this.seq++, fire: () => controller.abort(new DOMException('timed out', 'TimeoutError')) })
    return controller.signal
  }

  /** Timers still waiting (for assertions that nothing leaks). */
  get pending(): number {
    return this.timers.length
  }

  private add(timer: Timer): void {
    // Few timers are ever pending (one per metric and the deadline): a sorted insert is enough.
    let i = this.timers.length
    while (i > 0 && (this.timers[i - 1].at > timer.at || (this.timers[i - 1].at === timer.at && this.timers[i - 1].seq > timer.seq))) i--
    this.timers.splice(i, 0, timer)
    this.schedule()
  }

  private remove(timer: Timer): void {
    const i = this.timers.indexOf(timer)
    if (i !== -1) this.timers.splice(i, 1)
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
