/**
 * Vitest settings shared by every package. A package's vitest.config.ts merges this with its
 * own name: `mergeConfig(shared, defineProject({ test: { name: 'core' } }))`.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Vite 8 transforms TypeScript with oxc. tsyringe resolves constructor parameters from
  // `design:paramtypes`, so spec files and sources need legacy decorators with metadata.
  oxc: {
    decorator: { legacy: true, emitDecoratorMetadata: true },
  },
  test: {
    include: ['src/**/*.{spec,test}.ts', 'test/**/*.{spec,test}.ts'],
    setupFiles: [fileURLToPath(new URL('./vitest.setup.ts', import.meta.url))],
    environment: 'node',
    passWithNoTests: true,
    // Numerical tests on the tfjs cpu backend are slow on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
