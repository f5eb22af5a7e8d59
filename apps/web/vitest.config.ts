import { defineProject, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

// Not the app's vite.config.ts: specs run in Node; test/web-e2e.spec.ts builds and serves the
// app itself and drives Chromium. build/ holds the Vite plugins and their specs.
export default mergeConfig(shared, defineProject({ test: { name: 'web', include: ['build/**/*.spec.ts'] } }));
