/**
 * Proves the shipped device clients (clients/*) against one real local-mode server shared by this
 * file: each client is run as a device runs it, through a scripted proxy on 127.0.0.1 that counts
 * connections, sees every request, and can answer 503, 429 or nothing at all before it forwards.
 * What a beat did is checked through the management API and <data dir>/alerts.jsonl, never
 * through the client's own claims. Backoff and timeouts are cut to fractions of a second by flags.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanUp, CLI, closedPort, deviceTokenFor, readAlerts, REPO_ROOT, startLocalMode, tempDir, type LocalModeProcess, until } from '../e2e/support/local-process';
import { NODE_CLIENT, PYTHON_CLIENT, SHELL_CLIENT, buildCClient, cClient, cToolchainMissing, runClient, type ClientRun, type DeviceClient } from './support/device-clients';
import { startTestProxy, type Step, type TestProxy } from './support/test-proxy';

const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

let server: LocalModeProcess | undefined;
let dataDir: string | undefined;

function live(): LocalModeProcess {
  if (!server) throw new Error('local mode is not running');
  return server;
}

beforeAll(async () => {
  dataDir = tempDir('heartbeat-clients');
  server = await startLocalMode({ dataDir, args: ['--sweep-every', '1'] });
});
afterAll(async () => {
  await cleanUp(server, dataDir);
});

function tokenFor(deviceId: string): string {
  return deviceTokenFor(live().dataDir, deviceId);
}

/** The device as the management API shows it, or null when it has no record. */
async function device(deviceId: string): Promise<Record<string, unknown> | null> {
  const response = await fetch(`${live().url}/v1/devices/${deviceId}`, { headers: { authorization: `Bearer ${live().adminToken}` } });
  if (response.status === 404) return null;
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

function alertsOf(deviceId: string): Record<string, unknown>[] {
  return readAlerts(live().dataDir).filter((alert) => alert.deviceId === deviceId);
}

/** Runs `run` with a fresh proxy in front of local mode, closing the proxy afterwards. */
async function withProxy<T>(steps: readonly Step[], run: (proxy: TestProxy) => Promise<T>): Promise<T> {
  const proxy = await startTestProxy(live().url);
  proxy.script(steps);
  try {
    return await run(proxy);
  } finally {
    await proxy.close();
  }
}

/** The flags every test passes: who the device is, where the service is, and no start-up jitter. */
const deviceFlags = (proxy: TestProxy, deviceId: string, token = tokenFor(deviceId)) => ['--url', proxy.url, '--device', deviceId, '--token', token, '--jitter', '0'];

/**
 * The proxy stamps a request when this test process's event loop gets to it; with several clients
 * running at once on a loaded machine that can be late by hundreds of milliseconds, which shortens
 * a measured gap. The waits the gaps are checked against are long enough that this slack still
 * tells a waited delay from none.
 */
const STAMP_SLACK_MS = 500;

const RETRY_LINE = /retry (\d+)\/(\d+) in ([\d.]+)s \(backoff cap ([\d.]+)s\)/g;
const BEAT_FIELDS = new Set(['status', 'interval', 'grace', 'message', 'meta']);

/**
 * Seconds until the kernel's next keepalive probe on each established connection from a client to
 * `port` whose keepalive timer is armed (/proc/net/tcp: timer kind 2, expiry in clock ticks).
 */
function keepaliveTimers(port: number): number[] {
  const ticksPerSecond = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  const timers: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [remote, state, timer] = [fields[2], fields[3], fields[5]];
      if (!remote || !timer || state !== '01' || Number.parseInt(remote.split(':')[1] ?? '', 16) !== port) continue;
      const [kind, expiry] = timer.split(':');
      if (kind === '02') timers.push(Number.parseInt(expiry ?? '0', 16) / ticksPerSecond);
    }
  }
  return timers;
}

interface Build {
  readonly status: number | null;
  readonly output: string;
}

/** The tests every client passes; `build` (the C client's) runs before them, and its result is a test of its own. */
function describeClient(client: DeviceClient, build?: { readonly title: string; readonly run: () => Build }): void {
  describe.concurrent(`${client.name} client`, () => {
    const id = (what: string) => `${client.name}-${what}`;

    if (build) {
      let built: Build | undefined;
      beforeAll(() => {
        built = build.run();
      });
      it(build.title, () => {
        expect(built?.status, built?.output).toBe(0);
        expect(built?.output).toMatch(/-Wall -Wextra -Werror/);
      });
    }

    it('sends one beat with interval, grace, status and message, and no clock of its own; the service records it', async () => {
      // Prepare
      const deviceId = id('recorded');
      const message = '-fw 1.2.3 ✓ Grüße 😀'; // a leading dash must not read as an option
      // Act
      const { run, proxy } = await withProxy([], async (proxy) => ({ run: await runClient(client, [...deviceFlags(proxy, deviceId), '--interval', '30', '--grace', '10', '--message', message]), proxy }));
      // Assess
      expect(run.code, run.stderr).toBe(0);
      expect(proxy.requests()).toHaveLength(1);
      const sent = proxy.requests()[0];
      expect(sent?.method).toBe('POST');
      expect(sent?.path).toBe(`/v1/heartbeats/${deviceId}`);
      expect(sent?.headers['content-type']).toMatch(/^application\/json/);
      const body = JSON.parse(sent?.body ?? '') as Record<string, unknown>;
      expect(body).toEqual({ status: 'ok', interval: 30, grace: 10, message });
      expect(Object.keys(body).every((field) => BEAT_FIELDS.has(field))).toBe(true);
      expect(await device(deviceId)).toMatchObject({ deviceId, status: 'up', beats: 1, interval: 30, grace: 10, message });
    });

    it('--fail sends status fail, and the service raises device.down for it', async () => {
      // Prepare
      const deviceId = id('fails');
      // Act
      const run = await withProxy([], (proxy) => runClient(client, [...deviceFlags(proxy, deviceId), '--fail', '--message', 'disk full']));
      // Assess
      expect(run.code, run.stderr).toBe(0);
      const down = await until('a device.down alert', () => alertsOf(deviceId).find((alert) => alert.type === 'device.down'), 15_000);
      expect(down).toMatchObject({ deviceId, reason: 'fail' });
      expect(await device(deviceId)).toMatchObject({ status: 'down', message: 'disk full' });
    });

    it('waits a random moment before the first beat of a loop, by default up to min(--every, 30) s, so a fleet rebooted together is spread', async () => {
      // Prepare
      const deviceId = id('first-jitter');
      // Act: no --jitter flag, so the default applies
      const { run, requests } = await withProxy([], async (proxy) => ({
        run: await runClient(client, ['--url', proxy.url, '--device', deviceId, '--token', tokenFor(deviceId), '--every', '1', '--count', '1']),
        requests: [...proxy.requests()],
      }));
      // Assess
      expect(run.code, run.stderr).toBe(0);
      const announced = /first beat in ([\d.]+)s \(jitter up to 1s\)/.exec(run.stdout);
      expect(announced, run.stdout).not.toBeNull();
      const wait = Number(announced?.[1]);
      expect(wait).toBeLessThanOrEqual(1);
      expect((requests[0]?.at ?? 0) - run.startedAt).toBeGreaterThanOrEqual(wait * 1000 - 5); // the announced wait was waited
    });

    it('a wrong token exits non-zero with the service\'s 401 message, and is not retried', async () => {
      // Prepare
      const deviceId = id('wrong-token');
      // A leading dash, as a base64url token may have, must be read as the value of --token.
      const wrong = '-not-the-token';
      const direct = await fetch(`${live().url}/v1/heartbeats/${deviceId}`, { method: 'POST', headers: { authorization: `Bearer ${wrong}` } });
      const expected = ((await direct.json()) as { error: { message: string } }).error.message;
      // Act
      const { run, requests } = await withProxy([], async (proxy) => ({ run: await runClient(client, [...deviceFlags(proxy, deviceId, wrong), '--backoff', '0.05']), requests: proxy.requests().length }));
      // Assess
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain('401');
      expect(run.stderr).toContain(expected);
      expect(run.stderr).not.toMatch(/retry/i);
      expect(requests).toBe(1);
      expect(await device(deviceId)).toBeNull();
    });

    it('retries two 503 answers with exponential backoff and full jitter, then succeeds', async () => {
      // Prepare
      const deviceId = id('retried');
      const unavailable: Step = { kind: 'answer', status: 503 };
      // Act
      const { run, requests } = await withProxy([unavailable, unavailable], async (proxy) => ({
        run: await runClient(client, [...deviceFlags(proxy, deviceId), '--backoff', '1', '--retries', '5']),
        requests: [...proxy.requests()],
      }));
      // Assess
      expect(run.code, run.stderr).toBe(0);
      expect(requests.map((request) => request.answer)).toEqual(['scripted 503', 'scripted 503', 'forwarded 200']);
      const retries = [...run.stderr.matchAll(RETRY_LINE)].map((match) => ({ delay: Number(match[3]), cap: Number(match[4]) }));
      expect(retries.map((retry) => retry.cap)).toEqual([1, 2]); // the ceiling doubles: growing delays
      for (const [index, retry] of retries.entries()) {
        expect(retry.delay).toBeLessThanOrEqual(retry.cap);
        const gap = (requests[index + 1]?.at ?? 0) - (requests[index]?.at ?? 0);
        expect(gap).toBeGreaterThanOrEqual(retry.delay * 1000 - STAMP_SLACK_MS); // the printed wait was really waited
      }
      expect(await device(deviceId)).toMatchObject({ status: 'up', beats: 1 });
    });

    it('draws each wait at random below its ceiling (full jitter), not the ceiling itself', async () => {
      // Prepare
      const deviceId = id('jitter');
      const unavailable: Step = { kind: 'answer', status: 503 };
      // Act
      const run = await withProxy(Array(5).fill(unavailable), (proxy) => runClient(client, [...deviceFlags(proxy, deviceId), '--backoff', '0.02', '--retries', '5']));
      // Assess
      expect(run.code, run.stderr).toBe(0);
      const retries = [...run.stderr.matchAll(RETRY_LINE)].map((match) => ({ delay: Number(match[3]), cap: Number(match[4]) }));
      expect(retries.map((retry) => retry.cap)).toEqual([0.02, 0.04, 0.08, 0.16, 0.32]);
      // Uniform waits: all five in the top tenth of their range happens once in 100,000 runs.
      expect(retries.some((retry) => retry.delay < 0.9 * retry.cap)).toBe(true);
    });

    it('honours Retry-After on a 429 instead of its own shorter backoff', async () => {
      // Prepare
      const deviceId = id('retry-after');
      const throttled: Step = { kind: 'answer', status: 429, headers: { 'retry-after': '2' }, body: JSON.stringify({ error: { code: 'throttled', message: 'Too many beats.' } }) };
      // Act
      const { run, requests } = await withProxy([throttled], async (proxy) => ({
        run: await runClient(client, [...deviceFlags(proxy, deviceId), '--backoff', '0.01']),
        requests: [...proxy.requests()],
      }));
      // Assess
      expect(run.code, run.stderr).toBe(0);
      expect(requests.map((request) => request.answer)).toEqual(['scripted 429', 'forwarded 200']);
      expect((requests[1]?.at ?? 0) - (requests[0]?.at ?? 0)).toBeGreaterThanOrEqual(2000 - STAMP_SLACK_MS);
      expect(run.stderr).toContain('Retry-After');
    });

    it('honours a Retry-After given as an HTTP date, on a 503 as on a 429', async () => {
      // Prepare: a date 3 to 4 s after the answer is sent (HTTP dates have whole seconds).
      const deviceId = id('retry-after-date');
      const inThreeSeconds = () => ({ 'retry-after': new Date(Math.ceil((Date.now() + 3000) / 1000) * 1000).toUTCString() });
      const unavailable: Step = { kind: 'answer', status: 503, headers: inThreeSeconds, body: JSON.stringify({ error: { code: 'unavailable', message: 'Try later.' } }) };
      // Act
      const { run, requests } = await withProxy([unavailable], async (proxy) => ({
        run: await runClient(client, [...deviceFlags(proxy, deviceId), '--backoff', '0.01']),
        requests: [...proxy.requests()],
      }));
      // Assess
      expect(run.code, run.stderr).toBe(0);
      expect(requests.map((request) => request.answer)).toEqual(['scripted 503', 'forwarded 200']);
      expect(run.stderr).toContain('Retry-After');
      // The own backoff would wait at most 0.01 s: a second or more is the date's doing (the rest is slack for a slow client).
      expect((requests[1]?.at ?? 0) - (requests[0]?.at ?? 0)).toBeGreaterThanOrEqual(1000);
    });

    it('retries a network error (connection refused) with backoff, then gives up and exits 1', async () => {
      // Prepare: a port nothing listens on.
      const deviceId = id('refused');
      const port = await closedPort();
      // Act
      const run = await runClient(client, ['--url', `http://127.0.0.1:${port}`, '--device', deviceId, '--token', tokenFor(deviceId), '--jitter', '0', '--backoff', '0.01', '--retries', '2']);
      // Assess
      expect(run.code).toBe(1);
      expect([...run.stderr.matchAll(RETRY_LINE)].map((match) => `${match[1]}/${match[2]}`)).toEqual(['1/2', '2/2']);
      expect(run.stderr).toMatch(/giving up after 3 attempts: network error/);
    });

    it('gives up after --retries retries of a 5xx and exits 1, saying so', async () => {
      // Prepare
      const deviceId = id('gives-up');
      const unavailable: Step = { kind: 'answer', status: 502 };
      // Act
      const { run, requests } = await withProxy(Array(3).fill(unavailable), async (proxy) => ({
        run: await runClient(client, [...deviceFlags(proxy, deviceId), '--backoff', '0.01', '--retries', '2']),
        requests: [...proxy.requests()],
      }));
      // Assess
      expect(run.code).toBe(1);
      expect(requests.map((request) => request.answer)).toEqual(['scripted 502', 'scripted 502', 'scripted 502']);
      expect(run.stderr).toMatch(/giving up after 3 attempts: HTTP 502/);
      expect(await device(deviceId)).toBeNull();
    });

    it("a 400 is final: no retry, exit 1, and the service's message naming the field", async () => {
      // Prepare: an interval below the service's minimum of 5 s.
      const deviceId = id('bad-interval');
      const direct = await fetch(`${live().url}/v1/heartbeats/${deviceId}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokenFor(deviceId)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ status: 'ok', interval: 3 }),
      });
      const expected = ((await direct.json()) as { error: { message: string } }).error.message;
      // Act
      const { run, requests } = await withProxy([], async (proxy) => ({ run: await runClient(client, [...deviceFlags(proxy, deviceId), '--interval', '3', '--backoff', '0.01']), requests: proxy.requests().length }));
      // Assess
      expect(direct.status).toBe(400);
      expect(expected).toMatch(/interval/);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`HTTP 400 invalid_body: ${expected}`);
      expect(run.stderr).not.toMatch(/retry/i);
      expect(requests).toBe(1);
      expect(await device(deviceId)).toBeNull();
    });

    it('with --every, keeps beating past a refused beat, and exits 1 because not every beat was recorded', async () => {
      // Prepare
      const deviceId = id('one-refused');
      const refused: Step = { kind: 'answer', status: 403, body: JSON.stringify({ error: { code: 'forbidden', message: 'Not now.' } }) };
      // Act
      const { run, requests } = await withProxy([refused], async (proxy) => ({
        run: await runClient(client, [...deviceFlags(proxy, deviceId), '--every', '1', '--count', '2']),
        requests: [...proxy.requests()],
      }));
      // Assess
      expect(run.code).toBe(1);
      expect(requests.map((request) => request.answer)).toEqual(['scripted 403', 'forwarded 200']);
      expect(run.stderr).toContain('HTTP 403 forbidden: Not now.');
      expect(await device(deviceId)).toMatchObject({ status: 'up', beats: 1 });
    });

    it('takes --url, --device and --token from HEARTBEAT_URL, HEARTBEAT_DEVICE_ID and HEARTBEAT_TOKEN', async () => {
      // Prepare
      const deviceId = id('from-env');
      // Act
      const { run, requests } = await withProxy([], async (proxy) => ({
        run: await runClient(client, ['--jitter', '0'], { env: { HEARTBEAT_URL: proxy.url, HEARTBEAT_DEVICE_ID: deviceId, HEARTBEAT_TOKEN: tokenFor(deviceId) } }),
        requests: proxy.requests().length,
      }));
      // Assess
      expect(run.code, run.stderr).toBe(0);
      expect(requests).toBe(1);
      // One line per recorded beat on standard output: 200 and the service's answer.
      expect(run.stdout).toMatch(new RegExp(`^200 \\{.*"deviceId": ?"${deviceId}"`, 'm'));
      expect(await device(deviceId)).toMatchObject({ status: 'up', beats: 1 });
    });

    it('exits 2 for a usage error (no token anywhere, --count above 1 without --every), sending nothing', async () => {
      // Prepare
      const deviceId = id('usage');
      // Act
      const { runs, requests } = await withProxy([], async (proxy) => ({
        runs: [
          await runClient(client, ['--url', proxy.url, '--device', deviceId]),
          await runClient(client, [...deviceFlags(proxy, deviceId), '--count', '3']),
        ],
        requests: proxy.requests().length,
      }));
      // Assess
      expect(runs.map((run) => run.code)).toEqual([2, 2]);
      expect(runs[0]?.stderr).toMatch(/--token is required \(or set HEARTBEAT_TOKEN\)/);
      expect(runs[1]?.stderr).toMatch(/--count above 1 needs --every/);
      expect(requests).toBe(0);
    });

    it('gives up on a server that never answers after the configured timeout, and retries', async () => {
      // Prepare
      const deviceId = id('timeout');
      // Act
      const { run, requests } = await withProxy([{ kind: 'silence' }], async (proxy) => ({
        run: await runClient(client, [...deviceFlags(proxy, deviceId), '--timeout', '2', '--backoff', '0.05', '--retries', '3']),
        requests: [...proxy.requests()],
      }));
      // Assess
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/timed out/i);
      // The silent request, then the retry that is forwarded. On a loaded machine a forwarded answer
      // can itself miss the timeout and be retried once more: the order still proves the behaviour.
      const answers = requests.map((request) => request.answer);
      expect(answers[0]).toBe('silence');
      expect(answers.slice(1).length).toBeGreaterThanOrEqual(1);
      expect(answers.slice(1).every((answer) => answer === 'forwarded 200')).toBe(true);
      const waited = (requests[1]?.at ?? 0) - (requests[0]?.at ?? 0);
      expect(waited).toBeGreaterThanOrEqual(2000 - STAMP_SLACK_MS); // not before the timeout ...
      // ... and not after the clients' default 10 s timeout (cap 0.05 s; the rest is slack for a loaded machine).
      expect(waited).toBeLessThan(2000 + 50 + 6000);
      const retryDelays = [...run.stderr.matchAll(RETRY_LINE)].map((match) => Number(match[3]));
      expect(retryDelays[0]).toBeLessThanOrEqual(0.05);
    });

    // Only for clients that keep a connection: the shell's lives for one beat (the next test says so).
    if (client.keepsConnection) {
      it.skipIf(process.platform !== 'linux')('turns on TCP keepalive on its kept connection, first probe after 60 s of silence (Linux: read from /proc/net/tcp)', async () => {
        // Prepare
        const deviceId = id('tcp-keepalive');
        // Act
        const timers = await withProxy([], async (proxy) => {
          const running = runClient(client, [...deviceFlags(proxy, deviceId), '--every', '5', '--count', '2']);
          // Between the two beats the connection is idle, and its keepalive timer is the one armed
          // (while the first beat's answer is still on its way, the retransmit timer is). Watched
          // for, not slept for: on a loaded machine the answer can take longer than any fixed pause.
          const port = Number(new URL(proxy.url).port);
          const seen = await until(
            'the keepalive timer of the idle connection',
            () => proxy.requests()[0]?.answer.startsWith('forwarded') && proxy.requests().length === 1 && keepaliveTimers(port).length > 0 && keepaliveTimers(port),
            15_000,
            50,
          );
          const run = await running;
          expect(run.code, run.stderr).toBe(0);
          return seen;
        });
        // Assess
        expect(timers).toHaveLength(1);
        expect(timers[0]).toBeGreaterThan(50);
        expect(timers[0]).toBeLessThanOrEqual(60);
      });

      it('opens a new connection at once, without a retry, when the server closed the kept one while idle', async () => {
        // Prepare
        const deviceId = id('idle-closed');
        // Act
        // (Beats 2 s apart and closed after 0.3 s idle: the close never races the next beat, even late.)
        const { run, requests, closes } = await withProxy([], async (proxy) => {
          proxy.closeIdleAfter(300);
          const run = await runClient(client, [...deviceFlags(proxy, deviceId), '--every', '2', '--count', '3', '--backoff', '5']);
          return { run, requests: [...proxy.requests()], closes: [...proxy.idleCloses()] };
        });
        // Assess
        expect(run.code, run.stderr).toBe(0);
        expect(requests.map((request) => request.answer)).toEqual(Array(3).fill('forwarded 200'));
        // Each beat after the first came on a new connection exactly when the proxy had closed the
        // one before it (normally both times). A close after the last beat, while the client was
        // still exiting, forced nothing and is not counted.
        for (const [index, request] of requests.entries()) {
          const previous = requests[index - 1];
          if (!previous) continue;
          const closedBetween = closes.some((close) => close.connection === previous.connection && close.at > previous.at && close.at < request.at);
          expect(request.connection !== previous.connection, `beat ${index + 1} on a new connection`).toBe(closedBetween);
        }
        expect(closes.filter((close) => close.at < (requests.at(-1)?.at ?? 0)).length).toBeGreaterThanOrEqual(1);
        expect(run.stderr).not.toMatch(/retry/i); // a backoff of up to 5 s would also blow the beat's slot
        expect(await device(deviceId)).toMatchObject({ status: 'up', beats: 3 });
      });
    }

    it(`over 5 beats with --every, ${client.keepsConnection ? 'uses one TCP connection' : 'opens one connection per beat (documented: one curl process per beat)'}`, async () => {
      // Prepare
      const deviceId = id('keepalive');
      // Act
      const { run, requests, connections } = await withProxy([], async (proxy) => ({
        run: await runClient(client, [...deviceFlags(proxy, deviceId), '--every', '1', '--count', '5']),
        requests: [...proxy.requests()],
        connections: proxy.connections(),
      }));
      // Assess
      expect(run.code, run.stderr).toBe(0);
      expect(requests.map((request) => request.answer)).toEqual(Array(5).fill('forwarded 200'));
      expect(connections).toBe(client.keepsConnection ? 1 : 5);
      expect(new Set(requests.map((request) => request.connection)).size).toBe(connections);
      expect(await device(deviceId)).toMatchObject({ status: 'up', beats: 5 });
    });
  });
}

describeClient(PYTHON_CLIENT);
describeClient(NODE_CLIENT);
describeClient(SHELL_CLIENT);

const cMissing = cToolchainMissing();
if (cMissing) {
  describe.skip(`c client: skipped, ${cMissing}`, () => {
    it('is built and run where a C compiler and the libcurl headers are present', () => {});
  });
} else {
  const buildDir = tempDir('heartbeat-c-client');
  afterAll(() => rmSync(buildDir, { recursive: true, force: true }));
  describeClient(cClient(buildDir), {
    title: 'builds from one source with its Makefile, warnings as errors (-Wall -Wextra -Werror)',
    run: () => buildCClient(buildDir),
  });
}

describe('what the clients are made of', () => {
  it('python: heartbeat.py parses as Python 3.8 and imports only the standard library', async () => {
    // Prepare
    const script = [
      'import ast, sys',
      'source = open(sys.argv[1], encoding="utf-8").read()',
      'tree = ast.parse(source, feature_version=(3, 8))',
      'names = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}',
      'names |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}',
      'print(",".join(sorted(names - set(sys.stdlib_module_names))) or "stdlib only")',
    ].join('\n');
    // Act
    const run = await runClient({ name: 'python check', command: ['python3', '-c', script], keepsConnection: false }, [join(REPO_ROOT, 'clients/python/heartbeat.py')]);
    // Assess
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe('stdlib only');
  });

  it('node: no dependencies, Node 20+, and every import is a node: built-in', () => {
    // Prepare
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'clients/node/package.json'), 'utf8')) as Record<string, unknown>;
    const source = readFileSync(join(REPO_ROOT, 'clients/node/heartbeat.mjs'), 'utf8');
    // Act
    const imports = [...source.matchAll(/^import .* from '([^']+)';$/gm)].map((match) => match[1]);
    // Assess
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(manifest.peerDependencies ?? {}).toEqual({});
    expect(manifest.engines).toEqual({ node: '>=20' });
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((name) => !name?.startsWith('node:'))).toEqual([]);
  });

  it.each(['python', 'node', 'shell', 'c'])('%s: has a README with a quick start', (client) => {
    // Act
    const readme = readFileSync(join(REPO_ROOT, 'clients', client, 'README.md'), 'utf8');
    // Assess
    expect(readme).toMatch(/quick start/i);
  });
});

describe('client modules', () => {
  it('python: Heartbeat(url, device_id, token).beat(status, message, meta) records the beat, and raises HeartbeatError with the status and code of a refusal', async () => {
    // Prepare
    const deviceId = 'python-module';
    const script = [
      'import json, sys',
      `sys.path.insert(0, ${JSON.stringify(join(REPO_ROOT, 'clients/python'))})`,
      'from heartbeat import Heartbeat, HeartbeatError',
      'url, device, token = sys.argv[1:4]',
      'with Heartbeat(url, device, token, interval=30) as hb:',
      '    print(json.dumps(hb.beat(status="fail", message="battery low", meta={"battery": 0.07})))',
      'try:',
      '    Heartbeat(url, device, "wrong", retries=0).beat()',
      'except HeartbeatError as error:',
      '    print(json.dumps({"status": error.status, "code": error.code, "text": str(error)}))',
    ].join('\n');
    // Act
    const run = await runClient({ name: 'python module', command: ['python3', '-c', script], keepsConnection: true }, [live().url, deviceId, tokenFor(deviceId)]);
    // Assess
    expect(run.code, run.stderr).toBe(0);
    const [answer, refusal] = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(answer).toMatchObject({ deviceId, status: 'down' });
    expect(refusal).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(await device(deviceId)).toMatchObject({ status: 'down', interval: 30, message: 'battery low', meta: { battery: 0.07 } });
  });

  it('node: new Heartbeat({url, deviceId, token}).beat({status, message, meta}) records the beat, and rejects with HeartbeatError on a refusal', async () => {
    // Prepare
    const deviceId = 'node-module';
    const { Heartbeat, HeartbeatError } = await import('../../clients/node/heartbeat.mjs');
    const hb = new Heartbeat({ url: live().url, deviceId, token: tokenFor(deviceId), interval: 30 });
    const refused = new Heartbeat({ url: live().url, deviceId, token: 'wrong', retries: 0 });
    // Act
    const answer = await hb.beat({ status: 'fail', message: 'battery low', meta: { battery: 0.07 } });
    const refusal = await refused.beat().catch((error: unknown) => error);
    hb.close();
    refused.close();
    // Assess
    expect(answer).toMatchObject({ deviceId, status: 'down' });
    expect(refusal).toBeInstanceOf(HeartbeatError);
    expect(refusal).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(await device(deviceId)).toMatchObject({ status: 'down', interval: 30, message: 'battery low', meta: { battery: 0.07 } });
  });
});

describe('shell client systemd units', () => {
  const unitDir = join(REPO_ROOT, 'clients/shell/systemd');
  const script = join(REPO_ROOT, 'clients/shell/heartbeat.sh');

  /** The service unit as installed here: ExecStart pointing at the repository's script, and an env file of ours. */
  function installedService(envFile: string): string {
    return readFileSync(join(unitDir, 'heartbeat.service'), 'utf8')
      .replace('/usr/local/bin/heartbeat.sh', script)
      .replace(/^EnvironmentFile=.*$/m, `EnvironmentFile=${envFile}`);
  }

  it.skipIf(!hasSystemdAnalyze)('pass systemd-analyze verify without a warning', () => {
    // Prepare
    const dir = tempDir('heartbeat-units');
    writeFileSync(join(dir, 'heartbeat.env'), 'HEARTBEAT_URL=http://127.0.0.1:9\n', { mode: 0o600 });
    writeFileSync(join(dir, 'heartbeat.service'), installedService(join(dir, 'heartbeat.env')));
    writeFileSync(join(dir, 'heartbeat.timer'), readFileSync(join(unitDir, 'heartbeat.timer'), 'utf8'));
    // Act
    const verify = spawnSync('systemd-analyze', ['verify', join(dir, 'heartbeat.service'), join(dir, 'heartbeat.timer')], { encoding: 'utf8' });
    rmSync(dir, { recursive: true, force: true });
    // Assess
    expect(verify.stderr).toBe('');
    expect(verify.status).toBe(0);
  });

  it("the service's ExecStart line, with the env file's settings, sends a recorded beat", async () => {
    // Prepare
    const deviceId = 'shell-systemd';
    const execStart = /^ExecStart=(.*)$/m.exec(installedService('unused'))?.[1] ?? '';
    const [program, ...args] = execStart.split(' ');
    expect(program).toBe(script);
    // Act
    const { run, requests } = await withProxy([], async (proxy) => ({
      run: await runClient(SHELL_CLIENT, args, { env: { HEARTBEAT_URL: proxy.url, HEARTBEAT_DEVICE_ID: deviceId, HEARTBEAT_TOKEN: tokenFor(deviceId) } }),
      requests: proxy.requests().length,
    }));
    // Assess
    expect(run.code, run.stderr).toBe(0);
    expect(requests).toBe(1);
    expect(await device(deviceId)).toMatchObject({ status: 'up', beats: 1, interval: 60 });
  });
});

describe.concurrent('heartbeat run', () => {
  /** `heartbeat run <deviceId> --url <local mode> -- <command...>`, as cron would run it. */
  function heartbeatRun(deviceId: string, command: readonly string[], flags: readonly string[] = []): Promise<ClientRun> {
    const cli: DeviceClient = { name: 'heartbeat run', command: [process.execPath, CLI], keepsConnection: true };
    return runClient(cli, ['run', deviceId, '--url', live().url, '--data-dir', live().dataDir, ...flags, '--', ...command]);
  }

  it('beats ok when the command exits 0, with the end of its output as the message, and passes the output through', async () => {
    // Prepare
    const deviceId = 'run-ok';
    // Act
    // (Pauses between the writes: stdout and stderr are two pipes, and the message follows the order of arrival.)
    const run = await heartbeatRun(deviceId, ['sh', '-c', 'echo "backup started"; sleep 0.2; echo "42 files copied" >&2; sleep 0.2; echo "backup done"'], ['--interval', '86400']);
    // Assess
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe('backup started\nbackup done\n');
    expect(run.stderr).toBe('42 files copied\n');
    expect(await device(deviceId)).toMatchObject({ status: 'up', beats: 1, interval: 86400, message: 'backup started\n42 files copied\nbackup done' });
  });

  it("beats fail when the command exits non-zero, and exits with the command's own status", async () => {
    // Prepare
    const deviceId = 'run-fails';
    // Act
    const run = await heartbeatRun(deviceId, ['sh', '-c', 'echo "disk full" >&2; exit 3']);
    // Assess
    expect(run.code).toBe(3);
    expect(await device(deviceId)).toMatchObject({ status: 'down', message: 'disk full', meta: { exitStatus: 3 } });
    const down = await until('a device.down alert', () => alertsOf(deviceId).find((alert) => alert.type === 'device.down'), 15_000);
    expect(down).toMatchObject({ reason: 'fail' });
  });

  it('passes any exit status through (0, 1, 42), and 127 with a fail beat for a command that does not exist', async () => {
    // Act
    const statuses = [];
    for (const status of [0, 1, 42]) statuses.push((await heartbeatRun('run-status', ['sh', '-c', `exit ${status}`])).code);
    const missing = await heartbeatRun('run-missing', ['no-such-command-here']);
    // Assess
    expect(statuses).toEqual([0, 1, 42]);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toContain('command not found');
    expect(await device('run-missing')).toMatchObject({ status: 'down', message: 'no-such-command-here: command not found' });
  }, 300_000); // four `heartbeat run` processes in a row: 57 s seen at a load of 30

  it('keeps the last 256 characters of the output, counted and cut by code point, also when a character is split between two writes', async () => {
    // Prepare: 300 emoji (two UTF-16 units each) then 10 accented letters, the last emoji written in two halves.
    const deviceId = 'run-multibyte';
    const script = [
      'import sys, time',
      'out = sys.stdout.buffer',
      'out.write(("x" + "\\U0001F600" * 299).encode()); out.flush(); time.sleep(0.05)',
      'emoji = "\\U0001F600".encode()',
      'out.write(emoji[:2]); out.flush(); time.sleep(0.05); out.write(emoji[2:])',
      'out.write(("\\u00e9" * 10 + "\\n").encode())',
    ].join('\n');
    // Act
    const run = await heartbeatRun(deviceId, ['python3', '-c', script]);
    // Assess
    expect(run.code, run.stderr).toBe(0);
    const { message } = (await device(deviceId)) as { message: string };
    expect([...message]).toHaveLength(256);
    expect(message).toBe('😀'.repeat(246) + 'é'.repeat(10));
    expect(message).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/); // no half of a surrogate pair
  });

  it('exits 128 + the signal number when a signal ends the command, with a fail beat that says so', async () => {
    // Prepare
    const deviceId = 'run-killed';
    // Act
    const run = await heartbeatRun(deviceId, ['sh', '-c', 'kill -TERM $$']);
    // Assess
    expect(run.code).toBe(128 + 15);
    expect(await device(deviceId)).toMatchObject({ status: 'down', message: 'killed by SIGTERM', meta: { exitStatus: 143 } });
  });

  it("exits with the command's status even when the beat cannot be sent, and says so (token from HEARTBEAT_TOKEN)", async () => {
    // Act
    const run = await runClient(
      { name: 'heartbeat run', command: [process.execPath, CLI], keepsConnection: true },
      // No secret in this data directory: the token can only come from HEARTBEAT_TOKEN.
      ['run', 'run-unreachable', '--url', 'http://127.0.0.1:9', '--data-dir', join(live().dataDir, 'no-such-dir'), '--retries', '0', '--', 'sh', '-c', 'exit 0'],
      { env: { HEARTBEAT_TOKEN: 'from-the-environment' } },
    );
    // Assess
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/beat for run-unreachable not recorded/);
  });
});
