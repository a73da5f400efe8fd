/**
 * The `heartbeat` command line (run through bin/heartbeat.mjs). Each command's module is imported
 * only when that command runs, so `--help` answers without loading the AWS SDK or DynamoDB Local.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { action } from './cli/errors';
import type { Io } from './cli/commands';
import { DEPLOYMENT, SETTINGS, defaultText, settingSpec } from '../lambdas/core/settings-catalog';
import { LOCAL_SETTING_KEYS } from '../lambdas/local/settings';

const io = (): Io => ({
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
  cwd: process.cwd(),
  now: () => Date.now(),
});

/** Runs a long-lived command with a signal that aborts on SIGINT or SIGTERM (Ctrl-C stops it cleanly). */
async function untilSignal(run: (stop: AbortSignal) => Promise<void>): Promise<void> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await run(stop.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

const DATA_DIR_HELP = `data directory of local mode, for its secrets (default: ${SETTINGS.dataDir.local.env} or ${SETTINGS.dataDir.default})`;

/** Options that say which service a client command talks to. */
function withTarget(command: Command): Command {
  return command
    .option('--url <base>', 'service URL; a non-local URL is a deployed stack (SigV4-signed management calls)')
    .option('--port <n>', `port of local mode (default: ${SETTINGS.port.local.env} or ${SETTINGS.port.default})`)
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--region <region>', 'AWS region of a deployed stack (default: AWS_REGION, or from the URL)');
}

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('heartbeat')
  .description('Heartbeat monitoring for device fleets: run the whole service locally, or talk to a running one.')
  .version(version)
  .showSuggestionAfterError(true)
  .addHelpText(
    'after',
    `
Examples:
  npx heartbeat start                      the whole service on http://127.0.0.1:8080
  npx heartbeat beat sensor-1 --every 30   beat like a device would
  npx heartbeat run nightly -- ./backup.sh  one beat for a job: ok or fail by its exit status
  npx heartbeat devices                    the fleet, one line per device
  npx heartbeat token sensor-1             a device token, for firmware or curl
  npx heartbeat dashboard --url <ApiUrl>   the dashboard of a deployed stack, on 127.0.0.1
  npx heartbeat doctor                     is everything working? one line per check`,
  );

const start = program.command('start').description('run the whole service on this machine (the same as npm start)');
// Flags, variables and defaults come from the settings catalog; secrets are environment-only there.
for (const key of LOCAL_SETTING_KEYS) {
  const spec = settingSpec(key);
  if (spec.local?.flag === undefined || !('unit' in spec)) continue;
  const source = [spec.local.env === undefined ? null : `env ${spec.local.env}`, `default ${defaultText(spec)}`].filter((part) => part !== null).join(', ');
  start.option(`${spec.local.flag} <${spec.unit}>`, `${spec.doc} (${source})`);
}
start
  .option('--verbose', 'also log every request and sweep (to standard error)')
  .addHelpText(
    'after',
    `\nSecrets come from the environment only (never flags, which other users can see in ps):\n${LOCAL_SETTING_KEYS.filter((key) => settingSpec(key).kind === 'secret')
      .map((key) => `  ${settingSpec(key).local?.env ?? key}: ${settingSpec(key).doc}`)
      .join('\n')}\nA delivery that fails every retry (over 2.5 minutes) is kept in <data dir>/undelivered.jsonl and named on standard error.`,
  )
  .action(
    action(async (options) => {
      const { startCommand } = await import('./cli/start');
      await startCommand(options);
    }),
  );

program
  .command('token')
  .description("print a device's token: base64url(HMAC-SHA256(signing secret, deviceId))")
  .argument('<deviceId>', 'the device id')
  .option('--secret <secret>', `signing secret (default: ${SETTINGS.signingSecret.local.env}, else the data directory's, created if missing)`)
  .option('--data-dir <dir>', DATA_DIR_HELP)
  .action(
    action(async (deviceId: string, options) => {
      const { tokenCommand } = await import('./cli/commands');
      await tokenCommand(deviceId, options, io());
    }),
  );

withTarget(
  program
    .command('beat')
    .description('send a heartbeat as the device would, once or every N seconds until Ctrl-C')
    .argument('<deviceId>', 'the device id')
    .option('--every [seconds]', 'keep beating every N seconds; without N, every --interval (default 60)')
    .option('--interval <seconds>', 'the cadence the device promises from now on')
    .option('--grace <seconds>', 'extra silence tolerated after a missed beat')
    .addOption(new Option('--status <status>', 'fail: the device reports itself unhealthy').choices(['ok', 'fail']))
    .option('--message <text>', 'kept as the last message (at most 256 characters)')
    .option('--meta <json>', 'kept as the last metadata, a JSON object')
    .option('--token <token>', 'device token to send (default: minted from the signing secret)')
    .option('--secret <secret>', `signing secret to mint the token with (default: ${SETTINGS.signingSecret.local.env}, else the data directory's)`),
).action(
  action(async (deviceId: string, options) => {
    const { beatCommand } = await import('./cli/commands');
    await untilSignal((stop) => beatCommand(deviceId, options, io(), stop));
  }),
);

withTarget(
  program
    .command('run')
    .description("run a command and send one beat for it: ok when it exits 0, fail otherwise, the end of its output as the message; exits with the command's status (cron-friendly)")
    .argument('<deviceId>', 'the device id')
    .argument('<command...>', 'the command and its arguments, after --')
    .option('--interval <seconds>', 'the cadence the job promises (e.g. 86400 for a nightly job)')
    .option('--grace <seconds>', 'extra silence tolerated after a missed run')
    .option('--timeout <seconds>', 'seconds the beat may take', '10')
    .option('--retries <n>', 'retries of the beat after a network error, 429 or 5xx', '5')
    .option('--token <token>', 'device token to send (default: HEARTBEAT_TOKEN, else minted from the signing secret)')
    .option('--secret <secret>', "signing secret to mint the token with (default: HEARTBEAT_SIGNING_SECRET, else the data directory's)")
    .addHelpText('after', '\nExample (crontab; the token in the environment stays out of ps):\n  0 3 * * * cd /srv/app && HEARTBEAT_TOKEN=<token> npx heartbeat run backup-nightly --interval 86400 --url https://<ApiUrl> -- ./backup.sh'),
).action(
  action(async (deviceId: string, command: string[], options) => {
    const { runCommand } = await import('./cli/run');
    process.exitCode = await runCommand(deviceId, command, options, io(), { stdout: process.stdout, stderr: process.stderr });
  }),
);

withTarget(
  program
    .command('devices')
    .description('list devices and their states (all pages)')
    .addOption(new Option('--status <status>', 'only devices in this status').choices(['new', 'up', 'down', 'paused']))
    .option('--group <group>', 'only devices of this group')
    .option('--json', 'print the JSON instead of a table')
    .option('--include-canary', "also list the doctor's canary device (hidden by default)")
    .option('--page-size <n>', 'devices per request, 1-1000', '1000'),
).action(
  action(async (options) => {
    const { devicesCommand } = await import('./cli/commands');
    await devicesCommand(options, io());
  }),
);

withTarget(
  program
    .command('dashboard')
    .description("serve the dashboard page of a deployed stack on 127.0.0.1, passing its reads on signed with your AWS credentials (SigV4)")
    .option('--listen <port>', 'port of the dashboard on 127.0.0.1, 0 for a free one', '8090'),
).action(
  action(async (options) => {
    const { dashboardCommand } = await import('./cli/dashboard');
    await untilSignal((stop) => dashboardCommand(options, io(), stop));
  }),
);

for (const [name, paused] of [
  ['pause', true],
  ['resume', false],
] as const) {
  withTarget(
    program
      .command(name)
      .description(paused ? 'mute a device: beats are recorded, nothing alerts' : 'unmute a device; its deadline starts again from now')
      .argument('<deviceId>', 'the device id'),
  ).action(
    action(async (deviceId: string, options) => {
      const { setPausedCommand } = await import('./cli/commands');
      await setPausedCommand(deviceId, paused, options, io());
    }),
  );
}

withTarget(
  program
    .command('doctor')
    .description('check a running service end to end: health, a recent sweep, a beat of the canary device heartbeat-doctor-canary, the management API, the canary read back')
    .option('--sweep-every <seconds>', 'sweep period to judge the last sweep by (default: what /v1/health reports, else 60)')
    .option('--secret <secret>', "signing secret for the canary's token (default: HEARTBEAT_SIGNING_SECRET, else the data directory's, else --secret-arn)")
    .option('--secret-arn <arn>', "a deployed stack's SigningSecretArn: read the secret from Secrets Manager with your AWS credentials")
    .option('--management-url <url>', "a stack deployed with frontDoor=functionUrl: its ManagementUrl output, for the management checks")
    .option('--json', 'print the report as JSON (for scripts); the exit code is the same'),
).action(
  action(async (options) => {
    const { doctorCommand } = await import('./cli/doctor');
    if (!(await doctorCommand(options, io()))) process.exitCode = 1;
  }),
);

const maintenance = program.command('maintenance').description('plan, list and end maintenance windows: their devices raise no device.down');
withTarget(
  maintenance
    .command('add')
    .description('plan a window for some devices or a group; a device silent during it gets a deadline counted from its end')
    .option('--devices <ids>', 'comma-separated device ids (or --group)')
    .option('--group <group>', 'every device of this group (or --devices)')
    .option('--from <time>', 'ISO-8601 start (default now)')
    .option('--until <time>', 'ISO-8601 end, at most 30 days after the start (or --for)')
    .option('--for <length>', 'length from the start: 90m, 2h, 3d (or --until)')
    .option('--reason <text>', 'why, for whoever reads the list'),
).action(
  action(async (options) => {
    const { maintenanceAddCommand } = await import('./cli/maintenance');
    await maintenanceAddCommand(options, io());
  }),
);
withTarget(maintenance.command('list').description('the windows not yet ended').option('--json', 'print the JSON instead of a table')).action(
  action(async (options) => {
    const { maintenanceListCommand } = await import('./cli/maintenance');
    await maintenanceListCommand(options, io());
  }),
);
withTarget(maintenance.command('end').description('end a window now').argument('<windowId>', 'the id "maintenance add" printed')).action(
  action(async (windowId: string, options) => {
    const { maintenanceEndCommand } = await import('./cli/maintenance');
    await maintenanceEndCommand(windowId, options, io());
  }),
);

const secret = program.command('secret').description('rotate the device-token signing secret in two steps, locking no device out');
for (const [name, step, text] of [
  ['rotate', 'start', 'step 1: a new current secret; tokens of the old one stay valid'],
  ['finish', 'finish', 'step 2: drop the previous secret; its tokens stop working'],
] as const) {
  secret
    .command(name)
    .description(text)
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--secret-arn <arn>', "a deployed stack's secret (its SigningSecretArn output) instead of the local one")
    .option('--region <region>', 'AWS region (default: AWS_REGION, or from the ARN)')
    .action(
      action(async (options) => {
        const { secretCommand } = await import('./cli/secret');
        await secretCommand(step, options, io());
      }),
    );
}

program
  .command('cost')
  .description('monthly AWS cost per component at list prices (us-east-1), from the price table in lambdas/cost/aws-prices.json')
  .option('--devices <n>', 'devices beating (default 1000)')
  .option('--interval <s>', `seconds between beats of each device (default ${SETTINGS.defaultIntervalSeconds.default})`)
  .option('--memory <mb>', `ingest function memory, MB (default ${DEPLOYMENT.memoryMb.ingest}, as deployed)`)
  .option('--ms-per-beat <ms>', 'billed ms of the ingest function per beat (default 5)')
  .option('--item-bytes <n>', 'bytes of a device item, which the sweep scans (default 200)')
  .option('--no-logs', 'leave CloudWatch Logs out')
  .option('--no-secrets', 'leave Secrets Manager out')
  .option('--front-door <door>', 'httpApi or functionUrl (default httpApi)')
  .option('--billing <mode>', 'onDemand or provisioned (default onDemand)')
  .option('--batch <n>', 'beats per request, 1 to 100: a gateway batching its devices (default 1)')
  .option('--sweep-every <s>', `seconds between sweeps, ${SETTINGS.sweepEverySeconds.min} to ${SETTINGS.sweepEverySeconds.max} (default ${SETTINGS.sweepEverySeconds.default})`)
  .option('--channels <n>', 'alert channels on (webhook, Slack, PagerDuty), 0 to 3: the notifier and its secrets (default 0, as deployed without them)')
  .option('--markdown', 'print a Markdown table (what README shows)')
  .action(
    action(async (options) => {
      const { compareOptions } = await import('../lambdas/cost/cost-model');
      const { costCommandInput, runCostCommand } = await import('./cli/cost');
      const { renderComparison } = await import('./cli/cost-comparison');
      io().out(runCostCommand(options));
      if (!options.markdown) {
        const { usage, chosen } = costCommandInput(options);
        io().out(`\n${renderComparison(compareOptions(usage, chosen, chosen.batchSize > 1 ? chosen.batchSize : 100))}`);
      }
    }),
  );

await program.parseAsync(process.argv);
