// Runs one Lambda bundle the way the Node.js runtime does: a plain `node` process (no TypeScript
// loader) that imports the bundle's ES module once and calls its `handler` for each event, in
// order, like a warm container. Events come as a JSON array on stdin; the results go to stdout on
// one line starting with RESULTS (the handlers' own log lines go to stdout too).
//
//   node invoke-bundle.mjs <bundle index.mjs> <exported handler name> <timeout ms> < events.json
//
// The context's getRemainingTimeInMillis counts down from the function's timeout, as Lambda's does.
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';

const [file, exportName = 'handler', timeoutMs = '3000'] = process.argv.slice(2);
let input = '';
for await (const chunk of process.stdin) input += chunk;
const events = JSON.parse(input);

const module = await import(pathToFileURL(file).href);
const handler = module[exportName];
if (typeof handler !== 'function') throw new Error(`${file} exports no function "${exportName}"`);

const results = [];
for (const event of events) {
  const deadline = Date.now() + Number(timeoutMs);
  const context = {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    awsRequestId: randomUUID(),
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  results.push(await handler(event, context));
}
process.stdout.write(`RESULTS ${JSON.stringify(results)}\n`);
