/**
 * Proves the dashboard page in a real browser: headless Chromium (Debian's `chromium` package,
 * driven by playwright-core, no browser download) against a real `heartbeat start` child process.
 * The page loads with the admin token from the link's fragment, shows the fleet, sees a device go
 * down and come back by itself, filters, and opens the device's history. Every request the page
 * makes stays on the service's origin. Screenshots go to `.artifacts/screenshots/` (gitignored);
 * with HEARTBEAT_DOCS_SCREENSHOTS=1 the fleet view is also written to docs/dashboard.png (the
 * README's picture). Time comes from a 5 s interval, grace 0 and a 1 s sweep, never from minutes.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanUp, deviceTokenFor, REPO_ROOT, startLocalMode, tempDir, type LocalModeProcess } from './support/local-process';

/** Debian's Chromium; .ci/run installs it. Another path can be given in CHROMIUM_PATH. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SKIP_REASON = existsSync(CHROMIUM) ? null : `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`;
if (SKIP_REASON) console.warn(`dashboard browser test skipped: ${SKIP_REASON}`);

/** Headless, and quiet: no background request of Chromium's own may leave the machine. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-default-apps',
  '--disable-domain-reliability',
  '--disable-sync',
  '--disable-breakpad',
  '--disable-client-side-phishing-detection',
  '--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication',
  '--metrics-recording-only',
  '--no-first-run',
  '--no-default-browser-check',
];

const SHOTS = join(REPO_ROOT, '.artifacts', 'screenshots');
const DOCS_SHOT = join(REPO_ROOT, 'docs', 'dashboard.png');

let server: LocalModeProcess | undefined;
let dataDir: string | undefined;
let browser: Browser | undefined;
let page: Page;
const requested: string[] = [];

function live(): LocalModeProcess {
  if (!server) throw new Error('local mode is not running');
  return server;
}

function tokenFor(deviceId: string): string {
  return deviceTokenFor(live().dataDir, deviceId);
}

async function beat(deviceId: string, body: Record<string, unknown> = {}): Promise<void> {
  const response = await fetch(`${live().url}/v1/heartbeats/${deviceId}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokenFor(deviceId)}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
}

async function admin(method: string, path: string, body?: unknown): Promise<void> {
  const response = await fetch(`${live().url}${path}`, {
    method,
    headers: { authorization: `Bearer ${live().adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(response.status).toBeLessThan(300);
}

const row = (deviceId: string) => page.locator(`#fleet-body tr[data-device-id="${deviceId}"]`);

// One browser page and one fleet, built up test by test: never shuffled.
describe.skipIf(SKIP_REASON !== null)('the dashboard page in headless Chromium', { shuffle: false }, () => {
  beforeAll(async () => {
    dataDir = tempDir('heartbeat-dashboard');
    // --verbose logs every request: the test then checks the token never reached a log line.
    server = await startLocalMode({ dataDir, args: ['--sweep-every', '1', '--verbose'] });
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, colorScheme: 'light' });
    page = await context.newPage();
    page.on('request', (request) => requested.push(request.url()));
  });

  afterAll(async () => {
    await browser?.close();
    await cleanUp(server, dataDir);
  });

  it('takes the admin token from the fragment, keeps it in session storage only, and shows the fleet', async () => {
    // Prepare
    // Hour-long intervals: these stay up however long a loaded machine makes this file take.
    await beat('boiler-1', { interval: 3600, message: 'pressure 1.9 bar' });
    await beat('pump-7', { interval: 3600, message: 'flow ok' });
    await admin('PUT', '/v1/devices/boiler-1', { group: 'plant-a' });
    await admin('PUT', '/v1/devices/pump-7', { group: 'plant-b' });
    await admin('PUT', '/v1/devices/spare-3', { group: 'plant-b' });
    await admin('PUT', '/v1/devices/pump-7', { paused: true });

    // Act
    await page.goto(`${live().url}/#token=${encodeURIComponent(live().adminToken)}&refresh=1`);
    await row('boiler-1').waitFor();

    // Assess
    expect(page.url()).not.toContain('token=');
    expect(await page.evaluate("sessionStorage.getItem('heartbeat.adminToken')")).toBe(live().adminToken);
    expect(await page.evaluate("document.cookie")).toBe('');
    await expect.poll(() => row('boiler-1').getAttribute('data-status')).toBe('up');
    expect(await row('pump-7').getAttribute('data-status')).toBe('paused');
    expect(await row('spare-3').getAttribute('data-status')).toBe('new');
    expect(await row('boiler-1').innerText()).toContain('pressure 1.9 bar');
    expect(await page.locator('#count-up').innerText()).toBe('1');
    expect(await page.locator('#count-paused').innerText()).toBe('1');
    expect(await page.locator('#count-new').innerText()).toBe('1');
  });

  it('sees a device go down and come back by itself, without a reload', async () => {
    // Prepare: 5 s interval, no grace: silent past 5 s is down, and the 1 s sweep notices.
    await beat('sensor-42', { interval: 5, grace: 0, message: 'battery 71 %' });
    await admin('PUT', '/v1/devices/sensor-42', { group: 'plant-a' });
    // valve-9 goes silent for good: it stays down in the pictures.
    await beat('valve-9', { interval: 5, grace: 0, message: 'last words: valve stuck' });
    await admin('PUT', '/v1/devices/valve-9', { group: 'plant-b' });
    await expect.poll(() => row('sensor-42').getAttribute('data-status'), { timeout: 30_000 }).toBe('up');

    // Act: wait for the deadline to pass
    await expect.poll(() => row('sensor-42').getAttribute('data-status'), { timeout: 30_000 }).toBe('down');
    await page.screenshot({ path: join(SHOTS, 'fleet-device-down.png') });
    await expect.poll(() => row('valve-9').getAttribute('data-status'), { timeout: 30_000 }).toBe('down');
    expect(await page.locator('#count-down').innerText()).toBe('2');
    expect(await row('sensor-42').innerText()).toContain('down since');

    // Back with an hour-long interval: a second lapse 5 s later would be a second outage in the
    // history and a second down row for the tests after this one.
    await beat('sensor-42', { interval: 3600, message: 'back after a reboot' });

    // Assess
    await expect.poll(() => row('sensor-42').getAttribute('data-status'), { timeout: 30_000 }).toBe('up');
    expect(await row('sensor-42').innerText()).toContain('back after a reboot');
  }, 150_000);

  it('filters by status, by group and by search text', async () => {
    // Act + Assess: status
    await page.locator('#status-filter').selectOption('down');
    expect(await page.locator('#fleet-body tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-device-id')))).toEqual(['valve-9']);
    await page.locator('#status-filter').selectOption('paused');
    expect(await page.locator('#fleet-body tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-device-id')))).toEqual(['pump-7']);
    await page.locator('#status-filter').selectOption('');

    // group
    await page.locator('#group-filter').selectOption('plant-a');
    expect((await page.locator('#fleet-body tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-device-id')))).sort()).toEqual(['boiler-1', 'sensor-42']);
    await page.locator('#group-filter').selectOption('');

    // search (device id, group or message)
    await page.locator('#search').fill('pressure');
    expect(await page.locator('#fleet-body tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-device-id')))).toEqual(['boiler-1']);
    await page.locator('#search').fill('');
    expect(await page.locator('#fleet-body tr').count()).toBe(5);
  });

  it("opens a device's detail with its uptime and outage history", async () => {
    // Act
    await row('sensor-42').click();
    await page.locator('#detail').waitFor({ state: 'visible' });

    // Assess
    expect(await page.locator('#detail-title').innerText()).toBe('sensor-42');
    expect(await page.locator('#detail-fields').innerText()).toContain('plant-a');
    expect(await page.locator('#uptime [data-window]').count()).toBe(3);
    // The outage of the test before: one closed incident, so the day's uptime is under 100 %.
    await page.locator('#incidents li.closed').first().waitFor();
    expect(await page.locator('#incidents li').count()).toBe(1);
    expect(await page.locator('#incidents li').innerText()).toContain('silent');
    expect(await page.locator('#timeline .out').count()).toBe(1);
    const day = await page.locator('#uptime [data-window="1d"] .v').innerText();
    expect(day).toMatch(/^\d{2}\.\d{3} %$/);
    expect(Number.parseFloat(day)).toBeLessThan(100);
    await page.screenshot({ path: join(SHOTS, 'device-detail.png') });
    if (process.env.HEARTBEAT_DOCS_SCREENSHOTS === '1') copyFileSync(join(SHOTS, 'device-detail.png'), DOCS_SHOT);
  });

  it('asks for the token again when the server refuses it, and accepts one typed in', async () => {
    // Prepare
    await page.evaluate("sessionStorage.setItem('heartbeat.adminToken', 'not-the-admin-token')");

    // Act
    await page.goto(`${live().url}/`);
    await page.locator('#login').waitFor({ state: 'visible' });

    // Assess
    expect(await page.locator('#login-error').innerText()).toContain('did not accept');
    expect(await page.evaluate("sessionStorage.getItem('heartbeat.adminToken')")).toBeNull();
    await page.locator('#token-input').fill(live().adminToken);
    await page.locator('#login-form button').click();
    await row('boiler-1').waitFor();
    await page.screenshot({ path: join(SHOTS, 'fleet.png') });
  });

  it('never sent a request off the machine, nor the token in a URL or a log line', () => {
    // Assess
    expect(requested.length).toBeGreaterThan(5);
    for (const url of requested) {
      expect(new URL(url).origin).toBe(live().url);
      expect(url).not.toContain(live().adminToken);
    }
    expect(live().stderr()).toContain('request'); // --verbose did log the requests
    expect(live().stderr()).not.toContain(live().adminToken);
  });
});
