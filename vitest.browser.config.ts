import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// The browser suite: real Chromium (Debian's /usr/bin/chromium, installed by .ci/run) driven by
// playwright-core. It fails, never skips, when Chromium is missing. include/exclude replace the
// base config's (mergeConfig would append to them, and the base excludes this very folder).
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/browser/**/*.spec.ts'],
    exclude: ['node_modules/**'],
    testTimeout: 60_000,
    // One Chromium at a time on two cores.
    fileParallelism: false,
  },
});
