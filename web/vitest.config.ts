import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The UI's pure logic (scope maths, routes, validation) runs in Node: `npx vitest run --config web/vitest.config.ts`.
// The root config can pick the same files up by adding 'web/src/**/*.test.ts' to its include list.
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: { include: ['web/src/**/*.test.ts'], environment: 'node' },
});
