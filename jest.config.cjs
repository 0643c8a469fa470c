/*
 * Jest runs in CommonJS mode: SWC compiles our TypeScript, and the ES-module-only
 * packages in node_modules (Nest 12 and others), to CommonJS. Jest's own ES module
 * runtime cannot load CommonJS packages that require() ES modules (such as
 * @nestjs/throttler and nestjs-pino requiring @nestjs/common) before Node 24.9;
 * plain Node 20.19+ can, so the production build stays native ESM.
 */
const decorators = { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false };

const ts = {
  jsc: { parser: { syntax: 'typescript', decorators: true }, transform: decorators, target: 'es2022', keepClassNames: true },
  module: { type: 'commonjs', ignoreDynamic: false },
  sourceMaps: 'inline',
};

const js = {
  jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022', keepClassNames: true },
  module: { type: 'commonjs', ignoreDynamic: false },
};

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['@swc/jest', ts],
    '^.+\\.(js|mjs|cjs)$': ['@swc/jest', js],
  },
  transformIgnorePatterns: [],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  testTimeout: 60000,
  // Two test files at a time: each boots Nest apps on its own databases, and two
  // workers halve a run on a two-core machine; more cores take a few more.
  maxWorkers: Math.max(2, Math.min(4, require('node:os').availableParallelism() - 1)),
  globalSetup: '<rootDir>/test/support/global-setup.ts',
};
