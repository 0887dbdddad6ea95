// The benchmark's clock: simulated time moves only when every task of the analysis is waiting on
// it, and then jumps straight to the earliest wake-up, so an hour of canary takes milliseconds and
// every recorded time is exact. One wake-up per turn of the event loop: a metric woken at the same
// instant as another sees the other's effects (a verdict that stops the run) before it measures,
// as it would in real time.
import type { Clock } from '../../src/clock.js'

interface Timer {
  at: number
  seq: number
  fire: () => void
}

export class VirtualClock implements Clock {
  private time: number
  private seq = 0
  /** Pending wake-ups, earliest first (ties in the order they were asked for). */
  private timers: Timer[] = []
  private scheduled = false

  constructor(start: number) {
    this.time = start
  }

  now(): number {
    return this.time
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason)
      const onAbort = (): void => {
        this.remove(timer)
        reject(signal?.reason)
      }
      const timer: Timer = {
        at: this.time + Math.max(0, ms),
        seq: this.seq++,
        fire: () => {
          signal?.removeEventListener('abort', onAbort)
          resolve()
        }
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

  /** Wake-ups still pending (a finished run should leave none). */
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
    if (this.scheduled) return
    this.scheduled = true
    // setImmediate runs once every pending promise callback has: by then everyone waits on the clock.
    setImmediate(() => {
      this.scheduled = false
      const next = this.timers.shift()
      if (!next) return
      this.time = Math.max(this.time, next.at)
      next.fire()
      if (this.timers.length > 0) this.schedule()
    })
  }
}
