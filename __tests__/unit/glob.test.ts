import { describe, expect, it } from '@jest/globals'
import { mkdtemp, mkdir, symlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { formatIssue, IssueList } from '../../src/config-error.js'
import { globFiles, globToRegExp } from '../../src/plan/glob.js'
import { loadPlanFiles } from '../../src/plan/load.js'

describe('plan globs', () => {
  it('matches within and across path segments', () => {
    expect(globToRegExp('k8s/*.yaml').test('k8s/a.yaml')).toBe(true)
    expect(globToRegExp('k8s/*.yaml').test('k8s/qa/a.yaml')).toBe(false)
    expect(globToRegExp('k8s/**/*.yaml').test('k8s/a.yaml')).toBe(true)
    expect(globToRegExp('k8s/**/*.yaml').test('k8s/overlays/qa/a.yaml')).toBe(true)
    expect(globToRegExp('k8s/{qa,prod}/*.y?ml').test('k8s/prod/x.yaml')).toBe(true)
    expect(globToRegExp('k8s/{qa,prod}/*.y?ml').test('k8s/dev/x.yml')).toBe(false)
    expect(globToRegExp('[ab].yaml').test('b.yaml')).toBe(true)
    expect(globToRegExp('a.yaml').test('aXyaml')).toBe(false)
  })

  it('finds files on disk, sorted, without wandering into .git or node_modules', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cg-glob-'))
    for (const file of ['k8s/qa/b.yaml', 'k8s/qa/a.yaml', 'k8s/prod/c.yaml', 'node_modules/x/d.yaml', 'k8s/qa/notes.txt']) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true })
      await writeFile(path.join(dir, file), '')
    }
    const found = await globFiles('**/*.yaml', dir)
    expect(found.map((f) => path.relative(dir, f))).toEqual(['k8s/prod/c.yaml', 'k8s/qa/a.yaml', 'k8s/qa/b.yaml'])
  })

  it('follows symbolic links to files and directories, once even when they make a cycle', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cg-glob-'))
    await mkdir(path.join(dir, 'base'), { recursive: true })
    await mkdir(path.join(dir, 'overlays/qa'), { recursive: true })
    await writeFile(path.join(dir, 'base/template.yaml'), '')
    await symlink(path.join(dir, 'base/template.yaml'), path.join(dir, 'overlays/qa/template.yaml'))
    await symlink(path.join(dir, 'base'), path.join(dir, 'overlays/shared'))
    await symlink(dir, path.join(dir, 'base/loop'))
    const found = await globFiles('overlays/**/*.yaml', dir)
    expect(found.map((f) => path.relative(dir, f))).toEqual(['overlays/qa/template.yaml', 'overlays/shared/template.yaml'])
  })

  it('reads a file reached twice (through a link, or named twice) once', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cg-glob-'))
    await mkdir(path.join(dir, 'base'))
    await writeFile(path.join(dir, 'base/template.yaml'), 'apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: once}\nspec: {metrics: [{name: m, provider: {prometheus: {query: up}}}]}\n')
    await symlink(path.join(dir, 'base'), path.join(dir, 'linked'))
    const issues = new IssueList()
    const docs = await loadPlanFiles(['**/*.yaml', 'base/template.yaml'], dir, issues)
    expect(issues.issues.map(formatIssue)).toEqual([])
    expect(docs.map((doc) => doc.file)).toEqual(['base/template.yaml'])
  })

  it('treats **/**/ as **/', () => {
    expect(globToRegExp('k8s/**/**/**/*.yaml').source).toBe(globToRegExp('k8s/**/*.yaml').source)
  })

  it('names a malformed glob and a path that is not a regular file, instead of failing', async () => {
    const issues = new IssueList()
    await loadPlanFiles(['k8s/[z-a].yaml', '/dev/null'], os.tmpdir(), issues)
    expect(issues.issues.map(formatIssue)).toEqual([
      'input "plan": "k8s/[z-a].yaml" is not a valid glob (Range out of order in character class)',
      'input "plan": "/dev/null" is not a regular file'
    ])
  })
})
