import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One DynamoDB Local (in memory) for the whole run; each test file makes its own tables.
    globalSetup: ['test/support/global-setup.ts'],
    // Every store test shares one DynamoDB Local (Java) with the rest of the run: on a loaded 2-core
    // machine a test that takes 4 s alone was seen to take over 60 s. Tests that wait for something
    // poll with deadlines of their own, so this only bounds a hang.
    testTimeout: 120_000,
    // Hooks start local mode (node, Java) or Chromium: seconds when idle, minutes on a loaded machine.
    hookTimeout: 180_000,
    // Two cores here: more workers only fight DynamoDB Local and the local servers for CPU.
    maxWorkers: 2,
    // The JSON report is what .ci/run reads for its closing "N passed, N failed" line.
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-report.json' },
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      CDK_DISABLE_CLI_TELEMETRY: 'true',
    },
  },
});
