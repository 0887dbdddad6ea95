// Time bounds measured in CPU time of this process: on a shared runner other jobs inflate the wall
// clock many times over, while a catastrophic regex costs this process seconds of CPU either way.

/** CPU milliseconds (user + system) this process spent running `run`, with its result. */
export function cpuTime<T>(run: () => T): { value: T; ms: number } {
  const before = process.cpuUsage()
  const value = run()
  const used = process.cpuUsage(before)
  return { value, ms: (used.user + used.system) / 1000 }
}
