import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// SWC rather than esbuild/oxc: Nest's dependency injection needs emitted decorator metadata.
export default defineConfig({
  test: {
    globals: true,
    include: ['test/**/*.spec.ts', 'src/**/*.spec.ts'],
    // The browser suite needs Chromium: `npm run test:browser` (vitest.browser.config.ts).
    exclude: ['test/browser/**', 'node_modules/**'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
  plugins: [swc.vite({ module: { type: 'es6' } })],
});
