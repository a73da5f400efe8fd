/**
 * The fast tests (`npm run test:unit`): the domain core, adapters against mocked SDK clients, the
 * local-mode pieces that need no process or database, and the bench helpers. No DynamoDB Local (so
 * no Java), no CDK synthesis, no servers: seconds, for the edit-test loop. `npm test` runs
 * these and everything else.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/adapters/**/*.test.ts', 'test/bench/**/*.test.ts'],
    testTimeout: 20_000,
    maxWorkers: 2,
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  },
});
