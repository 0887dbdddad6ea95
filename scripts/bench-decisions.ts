// npm run bench:decisions — how good the judges' decisions are. For each judge (the seed's fixed
// threshold, seed 002's ratio rules, Mann-Whitney at a fixed horizon, the sequential judge), each
// scenario (A/A with and without drift, error and latency regressions) and each traffic level (15
// and 1,500 req/min), it runs simulated canaries — each its own seeded traffic — through the real
// plan code and analysis engine on a virtual clock, and prints false rollbacks, catches,
// inconclusive runs and time to decision. It writes the table to docs/decision-quality.md and a
// chart to docs/decision-quality.svg. It prints figures; it asserts nothing.
//
//   --runs N      canaries per judge × scenario × traffic level (default 1000)
//   --seed N      the seed of everything (default CANARY_GATE_PROPERTY_SEED, else 20260209)
//   --workers N   child processes (default: the CPUs, at most 4)
//   --judges a,b  only these judges (fixed, ratio, mann-whitney, sequential)
//   --no-docs     print only; leave docs/ alone
//   --results F   also write the raw tallies (JSON) to F
//   --render F    run nothing: print (and write to docs/) the table from tallies written by --results
// docs/decision-quality.md is rewritten on each run, but for its hand-written notes block, which is kept;
// docs/decision-quality-readme-table.md is the short table for the README.
import { fork, type ChildProcess } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { addResult, emptyCell, type Cell, type Task, type TaskResult } from './simulator/bench.js'
import { renderChart } from './simulator/chart.js'
import { horizonMinutes, JUDGES, loadJudge, ROOT, spanMinutes } from './simulator/judges.js'
import { notesOf, renderMarkdown, renderReadmeTable, type JudgeStatus, type Summary } from './simulator/report.js'
import { SCENARIOS, TRAFFIC_LEVELS } from './simulator/traffic.js'

const DEFAULT_SEED = 20260209
/** Runs per task: small enough to spread a cell over the workers, large enough to keep messages rare. */
const CHUNK = 100

interface Options {
  runs: number
  seed: number
  workers: number
  judges?: string[]
  docs: boolean
  results?: string
  render?: string
}

function parseOptions(argv: string[]): Options {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name)
    if (i === -1) return undefined
    const next = argv[i + 1]
    if (next === undefined || next.startsWith('--')) throw new Error(`${name} needs a value`)
    return next
  }
  const whole = (name: string, raw: string | undefined, fallback: number, min: number): number => {
    if (raw === undefined) return fallback
    const n = Number(raw)
    if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number ≥ ${min}, got "${raw}"`)
    return n
  }
  const known = new Set(['--runs', '--seed', '--workers', '--judges', '--no-docs', '--results', '--render'])
  for (const arg of argv) if (arg.startsWith('--') && !known.has(arg)) throw new Error(`unknown option ${arg} (${[...known].join(', ')})`)
  const envSeed = process.env.CANARY_GATE_PROPERTY_SEED
  const seed = whole('--seed', value('--seed') ?? (envSeed === '' ? undefined : envSeed), DEFAULT_SEED, -(2 ** 31))
  const judges = value('--judges')?.split(',').map((j) => j.trim())
  for (const id of judges ?? []) if (!JUDGES.some((j) => j.id === id)) throw new Error(`no judge "${id}" (${JUDGES.map((j) => j.id).join(', ')})`)
  return {
    runs: whole('--runs', value('--runs'), 1000, 1),
    seed,
    workers: whole('--workers', value('--workers'), Math.min(4, os.availableParallelism()), 1),
    judges,
    docs: !argv.includes('--no-docs'),
    results: value('--results'),
    render: value('--render')
  }
}

/** Runs the tasks on `count` child processes, handing each a new task as it finishes one. */
async function runOnWorkers(tasks: Task[], count: number, onResult: (result: TaskResult) => void): Promise<void> {
  const entry = fileURLToPath(new URL('./simulator/worker.ts', import.meta.url))
  const queue = [...tasks]
  const children: ChildProcess[] = []
  try {
    await Promise.all(
      Array.from({ length: Math.min(count, tasks.length) }, () => {
        // The children run TypeScript through the same loader as this process (tsx).
        const child = fork(entry, [], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
        children.push(child)
        return new Promise<void>((resolve, reject) => {
          const next = (): void => {
            const task = queue.shift()
            if (task) child.send(task)
            else {
              child.send('stop')
              resolve()
            }
          }
          child.on('message', (message: { ok: true; result: TaskResult } | { ok: false; id: number; error: string }) => {
            if (!message.ok) return reject(new Error(`task ${message.id} failed in a worker:\n${message.error}`))
            onResult(message.result)
            next()
          })
          child.on('exit', (code) => {
            if (code !== 0 && code !== null) reject(new Error(`a worker exited with code ${code}`))
          })
          child.on('error', reject)
          next()
        })
      })
    )
  } finally {
    for (const child of children) if (child.connected) child.kill()
  }
}

/** Prints the table and, unless --no-docs, writes docs/decision-quality.md (keeping its notes) and the chart. */
async function report(summary: Summary, docs: boolean): Promise<void> {
  const chartName = 'decision-quality.svg'
  const file = path.join(ROOT, 'docs', 'decision-quality.md')
  const notes = notesOf(await readFile(file, 'utf8').catch(() => ''))
  const markdown = renderMarkdown(summary, chartName, notes)
  console.log('')
  console.log(markdown)
  for (const cell of summary.cells) if (cell.errorReason) console.log(`errors in ${cell.judge.title}, ${cell.scenario.title}, ${cell.level.title}: ${cell.errors}, the first: ${cell.errorReason}`)
  if (docs) {
    await writeFile(file, markdown)
    await writeFile(path.join(ROOT, 'docs', chartName), renderChart(summary))
    await writeFile(path.join(ROOT, 'docs', 'decision-quality-readme-table.md'), renderReadmeTable(summary))
    console.log(`wrote docs/decision-quality.md, docs/${chartName} and docs/decision-quality-readme-table.md (for the README)`)
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2))
  if (options.render) {
    await report(JSON.parse(await readFile(options.render, 'utf8')) as Summary, options.docs)
    return
  }
  const selected = JUDGES.filter((j) => !options.judges || options.judges.includes(j.id))
  console.log(`bench:decisions — seed ${options.seed} (replay with --seed ${options.seed} or CANARY_GATE_PROPERTY_SEED=${options.seed}), ${options.runs} runs per cell, ${options.workers} workers`)

  const statuses: JudgeStatus[] = []
  for (const judge of selected) {
    // Read here first, so that a mistake in a template stops the benchmark before any worker starts.
    await loadJudge(judge)
    statuses.push({ judge, horizon: await horizonMinutes(judge), span: await spanMinutes(judge) })
  }

  const cells: Cell[] = []
  const tasks: Task[] = []
  const cellOf = new Map<number, Cell>()
  for (const status of statuses) {
    for (const level of TRAFFIC_LEVELS) {
      for (const scenario of SCENARIOS) {
        const cell = emptyCell(status.judge, scenario, level)
        cells.push(cell)
        for (let from = 0; from < options.runs; from += CHUNK) {
          const task: Task = { id: tasks.length, judge: status.judge.id, scenario: scenario.id, level: level.id, from, to: Math.min(options.runs, from + CHUNK), seed: options.seed }
          tasks.push(task)
          cellOf.set(task.id, cell)
        }
      }
    }
  }

  const started = performance.now()
  let done = 0
  let lastReport = started
  await runOnWorkers(tasks, options.workers, (result) => {
    addResult(cellOf.get(result.id)!, result)
    done++
    if (performance.now() - lastReport > 10_000 || done === tasks.length) {
      lastReport = performance.now()
      console.log(`  ${done}/${tasks.length} tasks, ${((lastReport - started) / 1000).toFixed(0)} s`)
    }
  })
  const wallMs = performance.now() - started

  const summary: Summary = { seed: options.seed, runsPerCell: options.runs, workers: options.workers, wallMs, judges: statuses, cells }
  if (options.results) await writeFile(options.results, JSON.stringify(summary))
  await report(summary, options.docs)
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exitCode = 1
})
