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
    // As main.ts and cli.ts do: oidc-provider's one-line "Unsupported runtime" warning on Node 20
    // is held back (the provider logs it as a structured warning), not printed by every suite.
    setupFiles: ['src/oidc/runtime-warning.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
  plugins: [swc.vite({ module: { type: 'es6' } })],
});
