#!/usr/bin/env node
// The `heartbeat` command. It runs the CLI straight from its TypeScript sources: tsx's loader is
// registered inside this very process (no build step, and no second node process), so a signal
// sent to `npm start` or `npx heartbeat start` reaches the server itself.
import { register } from 'tsx/esm/api';

// The AWS SDK warns on every start that Node 20 support ends; that is noise for a local tool.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

register();
await import('./cli.ts');
