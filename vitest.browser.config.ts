import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

// The browser suite: real Chromium (Debian's /usr/bin/chromium, installed by .ci/run) driven by
// playwright-core. It fails, never skips, when Chromium is missing.
export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: ['test/browser/**/*.spec.ts'],
      exclude: ['node_modules/**'],
      testTimeout: 60_000,
      // One Chromium at a time on two cores.
      fileParallelism: false,
    },
  }),
);
