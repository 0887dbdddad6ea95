// The `plan` input as users write it, read through loadPlanFiles: paths and globs (@actions/glob),
// newline- or space-separated, `!` excludes, and every problem named.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { formatIssue, IssueList } from '../../src/config-error.js'
import { loadPlanFiles, splitPlanInput } from '../../src/plan/load.js'

const templateFile = (name: string) => `apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: ${name}}
spec: {metrics: [{name: m, successCondition: 'result < 1', provider: {prometheus: {query: up}}}]}
`

let dir = ''

/** What the plan input reads: the files (relative to the workspace) and the problems. */
async function plan(input: string, cwd = dir) {
  const issues = new IssueList()
  const docs = await loadPlanFiles(splitPlanInput(input), cwd, issues)
  return { files: [...new Set(docs.map((doc) => doc.file))], problems: issues.issues.map(formatIssue) }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cg-plan-glob-'))
  const files = [
    'k8s/base/error-rate.yaml',
    'k8s/base/latency.yml',
    'k8s/base/kustomization.yaml',
    'k8s/base/README.md',
    'k8s/overlays/qa/rollout.yaml',
    'k8s/overlays/prod/rollout.yaml',
    'k8s/overlays/prod/notes.txt',
    'node_modules/some-chart/template.yaml',
    '.git/hooks/sample.yaml',
    'top.yaml',
    'plain-named.txt'
  ]
  for (const file of files) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true })
    await writeFile(path.join(dir, file), templateFile(path.basename(file).replace(/\W/g, '-').toLowerCase()))
  }
  // Kustomize overlays link shared files; a link to its own folder makes a cycle.
  await mkdir(path.join(dir, 'linked'))
  await symlink(path.join(dir, 'k8s/base/error-rate.yaml'), path.join(dir, 'linked/error-rate.yaml'))
  await symlink(path.join(dir, 'k8s/overlays'), path.join(dir, 'linked/overlays'))
  await mkdir(path.join(dir, 'cycle'))
  await writeFile(path.join(dir, 'cycle/a.yaml'), templateFile('cycle'))
  await symlink(path.join(dir, 'cycle'), path.join(dir, 'cycle/again'))
})

afterAll(() => rm(dir, { recursive: true, force: true }))

describe('the plan input', () => {
  it('splits on newlines and spaces, with # comments to the end of a line', () => {
    expect(splitPlanInput('k8s/a.yaml\n  k8s/b.yaml c.yaml  # the rollout\n# all of it: d.yaml\n!k8s/x.yaml\n')).toEqual(['k8s/a.yaml', 'k8s/b.yaml', 'c.yaml', '!k8s/x.yaml'])
  })

  it('reads globs: * within a folder, ** across folders, only .yaml and .yml files, sorted', async () => {
    expect(await plan('k8s/base/*')).toEqual({ files: ['k8s/base/error-rate.yaml', 'k8s/base/kustomization.yaml', 'k8s/base/latency.yml'], problems: [] })
    expect((await plan('k8s/**/*.yaml')).files).toEqual([
      'k8s/base/error-rate.yaml',
      'k8s/base/kustomization.yaml',
      'k8s/overlays/prod/rollout.yaml',
      'k8s/overlays/qa/rollout.yaml'
    ])
    expect((await plan('k8s/overlays/?a/*.yaml k8s/base/[el]*.y*ml')).files).toEqual(['k8s/overlays/qa/rollout.yaml', 'k8s/base/error-rate.yaml', 'k8s/base/latency.yml'])
  })

  it('never reads .git or node_modules, even under **', async () => {
    const { files } = await plan('**/*.yaml')
    expect(files.filter((file) => file.includes('node_modules') || file.includes('.git'))).toEqual([])
    expect(files).toContain('top.yaml')
  })

  it('leaves out what a later !pattern names, a named file too', async () => {
    expect((await plan('k8s/**/*.yaml\n!k8s/**/kustomization.yaml\n!k8s/overlays/prod/*')).files).toEqual(['k8s/base/error-rate.yaml', 'k8s/overlays/qa/rollout.yaml'])
    expect((await plan('top.yaml k8s/base/latency.yml !top.yaml')).files).toEqual(['k8s/base/latency.yml'])
    // An exclude applies to the patterns before it, as in @actions/glob.
    expect((await plan('k8s/base/*.yml !k8s/base/latency.yml k8s/base/latency.yml')).files).toEqual(['k8s/base/latency.yml'])
  })

  it('reads a named file whatever its extension, and names one that does not exist or is a folder', async () => {
    expect(await plan('plain-named.txt')).toEqual({ files: ['plain-named.txt'], problems: [] })
    expect((await plan('missing.yaml k8s/base')).problems).toEqual([
      `input "plan": "missing.yaml" does not exist (looked in ${dir})`,
      'input "plan": "k8s/base" is a directory; name the YAML files (or a glob such as k8s/base/*.yaml)'
    ])
  })

  it('names a glob that matches no .yaml file, and one whose files an exclude all left out', async () => {
    expect((await plan('k8s/**/*.json k8s/overlays/prod/*.txt')).problems).toEqual([
      `input "plan": "k8s/**/*.json" matches no .yaml file (looked in ${dir})`,
      `input "plan": "k8s/overlays/prod/*.txt" matches no .yaml file (looked in ${dir})`
    ])
    expect((await plan('k8s/overlays/prod/*.yaml !k8s/overlays/prod/rollout.yaml')).problems).toEqual([
      `input "plan": "k8s/overlays/prod/*.yaml" matches no .yaml file once the excludes after it apply (looked in ${dir})`
    ])
  })

  it('says that {a,b} alternatives are not globs, and that an exclude before every pattern leaves out nothing', async () => {
    expect((await plan('k8s/overlays/{qa,prod}/*.yaml')).problems).toEqual([
      `input "plan": "k8s/overlays/{qa,prod}/*.yaml" matches no .yaml file (looked in ${dir}); {a,b} alternatives are not globs here: write one pattern for each`
    ])
    expect((await plan('!top.yaml top.yaml')).problems).toEqual(['input "plan": "!top.yaml" comes before the paths it could leave out: an exclude applies to the patterns before it'])
    expect((await plan('top.yaml !')).problems).toEqual(['input "plan": "!" excludes nothing: write the pattern after it, such as !k8s/kustomization.yaml'])
  })

  it('follows symbolic links to files and folders, reads a file reached twice once, and survives a link cycle', async () => {
    const { files, problems } = await plan('linked/**/*.yaml k8s/base/error-rate.yaml')
    expect(problems).toEqual([])
    // linked/error-rate.yaml is k8s/base/error-rate.yaml: read once, under the first name found.
    expect(files).toEqual(['linked/error-rate.yaml', 'linked/overlays/prod/rollout.yaml', 'linked/overlays/qa/rollout.yaml'])
    expect(await plan('cycle/**/*.yaml')).toEqual({ files: ['cycle/a.yaml'], problems: [] })
  })

  it('reads globs against the workspace, not the directory the process runs in', async () => {
    const elsewhere = await mkdtemp(path.join(os.tmpdir(), 'cg-plan-glob-cwd-'))
    try {
      expect((await plan(`${path.relative(elsewhere, dir)}/k8s/base/*.yml`, elsewhere)).files).toEqual([path.join(dir, 'k8s/base/latency.yml')])
      expect((await plan('k8s/base/*.yml', dir)).files).toEqual(['k8s/base/latency.yml'])
    } finally {
      await rm(elsewhere, { recursive: true, force: true })
    }
  })

  it('reads a workspace whose own path holds glob characters literally', async () => {
    const odd = await mkdtemp(path.join(os.tmpdir(), 'cg [x]*?-'))
    try {
      await writeFile(path.join(odd, 'a.yaml'), templateFile('a'))
      expect(await plan('*.yaml', odd)).toEqual({ files: ['a.yaml'], problems: [] })
    } finally {
      await rm(odd, { recursive: true, force: true })
    }
  })
})
