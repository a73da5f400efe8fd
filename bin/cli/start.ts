/**
 * `heartbeat start`: runs local mode in this process until SIGINT or SIGTERM, then stops it in
 * order (sweep timer, HTTP server, DynamoDB Local) within 10 seconds and exits 0.
 */
import { consoleLogger } from '../../lambdas/local/console-logger';
import { startBanner } from '../../lambdas/local/banner';
import { deviceToken } from '../../lambdas/core/tokens';
import { startLocalService, type LocalService } from '../../lambdas/local/runtime';
import { parseLocalSettings, type LocalFlags, type LocalSettings } from '../../lambdas/local/settings';
import { reportError } from './errors';

export interface StartOptions extends LocalFlags {
  readonly verbose?: boolean;
}

/** The contract allows 10 s; leave a margin for the process to exit after the last step. */
const SHUTDOWN_LIMIT_MS = 9000;

const DEMO_DEVICE = 'demo-1';

/**
 * Under npm our life is npm's. `npm start` execs us, so npm's signals reach us; but `npx heartbeat
 * start` runs us under an `sh -c` that dies on SIGTERM without passing it on, and a SIGKILLed npm
 * passes nothing. Either way we are re-parented: notice it and stop as if signalled.
 */
function watchParent(onGone: () => void): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      onGone();
    }
  }, 500);
  timer.unref();
}

/** The channels that are on, as the banner names them (never a secret: the PagerDuty key and Slack URL stay out). */
function channelNames(channels: LocalSettings['channels']): string[] {
  return [
    ...(channels.webhookUrl === null ? [] : [`webhook ${channels.webhookUrl}`]),
    ...(channels.slackUrl === null ? [] : ['Slack']),
    ...(channels.pagerDuty === null ? [] : ['PagerDuty']),
  ];
}

/** Starts local mode and keeps it running until a signal, npm going away, or a fatal error. */
export async function startCommand(options: StartOptions): Promise<void> {
  const print = (line: string) => process.stdout.write(`${line}\n`);
  const settings = parseLocalSettings(options, process.env, process.cwd());
  const logger = consoleLogger({ verbose: options.verbose ?? false });

  let service: LocalService | null = null;
  let stopping: Promise<void> | null = null;
  const shutdown = (reason: string, exitCode = 0) => {
    // npm forwards the terminal's Ctrl-C, so one key press can arrive twice: stop once.
    if (stopping) return;
    const began = performance.now();
    print(`${reason}: stopping ...`);
    const force = setTimeout(() => {
      process.stderr.write(`error: could not stop within ${SHUTDOWN_LIMIT_MS / 1000} s; exiting anyway.\n`);
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS);
    force.unref();
    stopping = (async () => {
      // A signal during start-up: wait for it to finish, then undo it.
      await starting.catch(() => undefined);
      await service?.stop();
      print(`Stopped in ${((performance.now() - began) / 1000).toFixed(1)} s.`);
      process.exit(exitCode);
    })();
  };
  process.on('SIGINT', () => shutdown('SIGINT received'));
  process.on('SIGTERM', () => shutdown('SIGTERM received'));
  if (process.env.npm_command) watchParent(() => shutdown('npm exited'));
  // A bug must not leave DynamoDB Local or a half-open port behind: report it in one line, then stop in order.
  const crash = (error: unknown) => {
    reportError(error);
    shutdown('internal error', 1);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  // Output piped into a program that quit (`npm start | head`): keep serving; alerts.jsonl still gets every alert.
  process.stdout.on('error', () => undefined);

  print(`Heartbeat monitor, local mode (data directory ${settings.dataDir})`);
  const starting = startLocalService({
    settings,
    print,
    printError: (line) => process.stderr.write(`${line}\n`),
    logger,
    onFatal: (error) => {
      reportError(error);
      shutdown('DynamoDB Local is gone', 1);
    },
  });
  try {
    service = await starting;
  } catch (error) {
    reportError(error);
    // The failed start has undone itself; nothing is left running.
    process.exit(1);
  }
  if (stopping) return;
  const secrets = await service.signingSecrets();
  for (const line of startBanner({
    url: service.url,
    port: service.port,
    dataDir: settings.dataDir,
    cwd: process.cwd(),
    readySeconds: process.uptime(),
    adminToken: service.adminToken,
    adminTokenFromEnv: settings.adminTokenFromEnv !== null,
    signingSecretFromEnv: settings.signingSecretFromEnv !== null,
    demoDeviceId: DEMO_DEVICE,
    demoToken: deviceToken(secrets.current, DEMO_DEVICE),
    sweepSeconds: settings.sweepSeconds,
    channels: channelNames(settings.channels),
  })) {
    print(line);
  }
}
