// Jest runs TypeScript through ts-jest as native ESM (node --experimental-vm-modules), because
// @actions/core, @actions/exec and @actions/github are ESM-only. Type checking is `npm run typecheck`.
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  // The bundle-level scenarios take seconds; on a loaded two-core machine, a minute or more.
  testTimeout: 120000,
  // Most suites wait on child processes (the bundle, kubectl, Prometheus) and a sped-up clock, not
  // on the CPU: three workers on two cores keep CI well inside its budget.
  maxWorkers: 3
}
