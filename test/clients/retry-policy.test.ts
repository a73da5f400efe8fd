/**
 * clients/retry-policy.json declares the retry defaults of the shipped clients once; the simulator
 * models lost attempts with it and the adaptive pause is derived from it. This file holds each
 * client to it: the Node client by its constructed defaults, the others by the defaults their
 * source declares (the Python module, the shell script's variables, the C option defaults).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import policy from '../../clients/retry-policy.json' with { type: 'json' };
import { REPO_ROOT } from '../e2e/support/local-process';

/** The numbers a client declares, as found in its source. */
interface Declared {
  readonly timeoutSeconds: number;
  readonly retries: number;
  readonly backoffSeconds: number;
  readonly backoffCapSeconds: number;
}

const source = (path: string) => readFileSync(join(REPO_ROOT, 'clients', path), 'utf8');

/** The first capture of `pattern` in `text`, as a number; fails the test when the client no longer declares it that way. */
function declared(text: string, pattern: RegExp): number {
  const match = pattern.exec(text);
  if (!match?.[1]) throw new Error(`not declared as ${pattern}`);
  return Number(match[1]);
}

const expected: Declared = {
  timeoutSeconds: policy.timeoutSeconds,
  retries: policy.retries,
  backoffSeconds: policy.backoffSeconds,
  backoffCapSeconds: policy.backoffCapSeconds,
};

describe('the shipped clients retry as clients/retry-policy.json declares', () => {
  it('declares a timeout, retries, a backoff base and cap, and full jitter', () => {
    expect(expected).toEqual({ timeoutSeconds: 10, retries: 5, backoffSeconds: 1, backoffCapSeconds: 60 });
    expect(policy.jitter).toBe('full');
  });

  it('node: the constructed client has those defaults', async () => {
    // Prepare
    const { Heartbeat } = (await import('../../clients/node/heartbeat.mjs')) as unknown as {
      Heartbeat: new (options: { url: string; deviceId: string; token: string }) => { timeout: number; retries: number; backoff: number; close(): void };
    };
    // Act
    const client = new Heartbeat({ url: 'http://127.0.0.1:9', deviceId: 'd1', token: 't' });
    client.close();
    // Assess
    const text = source('node/heartbeat.mjs');
    expect({ timeoutSeconds: client.timeout, retries: client.retries, backoffSeconds: client.backoff, backoffCapSeconds: declared(text, /const BACKOFF_CAP_S = (\d+(?:\.\d+)?);/) }).toEqual(expected);
    expect(text).toMatch(/Math\.random\(\) \* ceiling; \/\/ full jitter/);
  });

  it('python: the module and its command line declare them', () => {
    const text = source('python/heartbeat.py');
    expect({
      timeoutSeconds: declared(text, /def __init__\(self,[^)]*timeout=(\d+(?:\.\d+)?)/),
      retries: declared(text, /def __init__\(self,[^)]*retries=(\d+)/),
      backoffSeconds: declared(text, /def __init__\(self,[^)]*backoff=(\d+(?:\.\d+)?)/),
      backoffCapSeconds: declared(text, /^BACKOFF_CAP_S = (\d+(?:\.\d+)?)$/m),
    }).toEqual(expected);
    expect({
      timeoutSeconds: declared(text, /"--timeout", [^\n]*default=(\d+(?:\.\d+)?)/),
      retries: declared(text, /"--retries", [^\n]*default=(\d+)/),
      backoffSeconds: declared(text, /"--backoff", [^\n]*default=(\d+(?:\.\d+)?)/),
      backoffCapSeconds: declared(text, /^BACKOFF_CAP_S = (\d+(?:\.\d+)?)$/m),
    }).toEqual(expected);
    expect(text).toMatch(/random\.uniform\(0, ceiling\)\s+# full jitter/);
  });

  it('shell: the script declares them', () => {
    const text = source('shell/heartbeat.sh');
    expect({
      timeoutSeconds: declared(text, /^timeout=(\d+(?:\.\d+)?)$/m),
      retries: declared(text, /^retries=(\d+)$/m),
      backoffSeconds: declared(text, /^backoff=(\d+(?:\.\d+)?)$/m),
      backoffCapSeconds: declared(text, /\(c > (\d+) \? \1 : c\)/),
    }).toEqual(expected);
    expect(text).toMatch(/delay=\$\(random_upto "\$cap"\)/);
  });

  it('c: the option defaults declare them', () => {
    const text = source('c/heartbeat.c');
    expect({
      timeoutSeconds: declared(text, /o->timeout = (\d+(?:\.\d+)?);/),
      retries: declared(text, /o->retries = (\d+);/),
      backoffSeconds: declared(text, /o->backoff = (\d+(?:\.\d+)?);/),
      backoffCapSeconds: declared(text, /#define BACKOFF_CAP_S (\d+(?:\.\d+)?)/),
    }).toEqual(expected);
    expect(text).toMatch(/delay = random_unit\(\) \* cap; \/\* full jitter \*\//);
  });
});
