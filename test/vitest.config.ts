import { defineConfig } from 'vitest/config';

// Lives under test/ because the repository's top level is fixed (src, templates, prisma, test, ...).
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: integration files start their own servers; running two at once is the most these machines take well.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
