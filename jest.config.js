/**
 * Jest runs TypeScript as ESM through ts-jest; @actions/* are ESM-only. The environment keeps the
 * action's log that tests produce out of the suite's output, unless the test fails.
 */
export default {
  testEnvironment: '<rootDir>/__tests__/support/quiet-environment.js',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      { useESM: true, tsconfig: 'tsconfig.json', diagnostics: { ignoreCodes: [151002] } },
    ],
  },
  testMatch: ['<rootDir>/__tests__/**/*.test.ts', '<rootDir>/sim/**/*.test.ts', '<rootDir>/e2e/**/*.test.ts'],
  testTimeout: 60000,
};
