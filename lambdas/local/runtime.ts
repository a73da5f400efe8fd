/**
 * The composition root of local mode: builds the adapters once (DynamoDB Local, the file-backed
 * secrets, the local alert sink, the system clock) and hands them to the same core and handlers
 * the Lambdas use. `startLocalService` starts everything; the returned `stop` undoes it in order.
 */
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { DynamoDbDeviceStore } from '../adapters/dynamodb/device-store';
import { DynamoDbMaintenanceStore } from '../adapters/dynamodb/maintenance-store';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { fetchHttpSender } from '../adapters/delivery/fetch-http-sender';
import { DynamoDbFleetIncidents } from '../adapters/dynamodb/fleet-incidents';
import { DynamoDbIncidentStore } from '../adapters/dynamodb/incident-store';
import { OutageHistory } from '../core/history';
import { ensureHistoryTable } from './history-table';
import { LocalAlertSink } from '../adapters/local-alert-sink';
import { LocalUndeliveredLog } from '../adapters/local-undelivered-log';
import { buildChannels, type ChannelSettings } from '../core/channels';
import { AlertDispatcher, timerSleep } from '../core/delivery';
import { minSpacingThrottle } from '../adapters/min-spacing-throttle';
import { systemClock } from '../adapters/system-clock';
import { AlertOutbox } from '../core/alert-outbox';
import { HeartbeatRecorder } from '../core/heartbeat';
import { FleetManager } from '../core/management';
import type { MonitorSettings } from '../core/model';
import { MaintenancePlanner } from '../core/maintenance';
import type { Clock, DeviceStore, Logger, MaintenanceStore, SigningSecretSource } from '../core/ports';
import { Sweeper } from '../core/sweep';
import type { SigningSecrets } from '../core/tokens';
import { createIngestApi } from '../handlers/ingest-api';
import { createInstantAlertJob } from '../handlers/instant-alerts-job';
import { createManagementApi } from '../handlers/management-api';
import { adminTokenAuthorizer } from './admin-auth';
import { lockDataDir, prepareDataDir, type DataDirLayout } from './data-dir';
import { ensureDeviceTable } from './device-table';
import { localClientConfig, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local';
import { LocalHttpServer, type LocalHandlers } from './http-server';
import { LocalDelivery } from './local-delivery';
import { FileSigningSecrets, StaticSigningSecrets, readOrCreateAdminToken, readOrCreateWebhookSecret } from './secrets';
import { SETTINGS } from '../core/settings-catalog';
import type { LocalSettings } from './settings';
import { startStreamPoller } from './stream-poller';
import { startSweepTimer, type SweepTimer } from './sweep-timer';

/** The lease an instant-alert batch takes locally: the AWS consumer's timeout. */
const INSTANT_ALERT_BUDGET_MS = 30_000;

/** DynamoDB Local has one table per data directory; a fixed name is fine there. */
export const LOCAL_TABLE_NAME = 'heartbeat-devices';
/** The outage history's table in DynamoDB Local. */
export const LOCAL_HISTORY_TABLE_NAME = 'heartbeat-history';

export interface LocalServiceOptions {
  readonly settings: LocalSettings;
  /** A line for the person (progress, alerts): standard output. */
  readonly print: (line: string) => void;
  readonly logger: Logger;
  /** Called when the service can no longer work (DynamoDB Local died under it); the caller stops it. */
  readonly onFatal?: (error: Error) => void;
  /** A line about a delivery that failed for good: standard error. Default: the logger's error. */
  readonly printError?: (line: string) => void;
  /** The service's time; the system clock unless a test drives it (reminders are minutes apart). */
  readonly clock?: Clock;
}

export interface LocalService {
  readonly url: string;
  readonly port: number;
  readonly adminToken: string;
  readonly dynamoDb: { readonly endpoint: string; readonly port: number; readonly pid: number };
  /** The secrets device tokens are checked against right now. */
  signingSecrets(): Promise<SigningSecrets>;
  /** Stops the sweep timer, the HTTP server and DynamoDB Local, in that order. */
  stop(): Promise<void>;
}

/** Undo steps, run last-in first-out; each one's failure is logged and the rest still run. */
class Teardown {
  private readonly steps: { name: string; run: () => Promise<void> | void }[] = [];
  constructor(private readonly logger: Logger) {}
  add(name: string, run: () => Promise<void> | void): void {
    this.steps.push({ name, run });
  }
  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step.run();
      } catch (error) {
        this.logger.error(`could not stop ${step.name}`, { error: error instanceof Error ? error.message : String(error) });
      }
    }
  }
}

/** Starts local mode; on failure undoes whatever had started and rethrows. */
export async function startLocalService(options: LocalServiceOptions): Promise<LocalService> {
  const { settings, print, logger } = options;
  const clock = options.clock ?? systemClock;
  const teardown = new Teardown(logger);
  try {
    const layout = prepareDataDir(settings.dataDir);
    teardown.add('data directory lock', lockDataDir(layout));

    const secrets: SigningSecretSource = settings.signingSecretFromEnv
      ? new StaticSigningSecrets(settings.signingSecretFromEnv)
      : new FileSigningSecrets({ path: layout.signingSecret, clock, logger });
    const adminToken = settings.adminTokenFromEnv ?? readOrCreateAdminToken(layout.adminToken);

    // Bind first: a port in use fails now, not after DynamoDB Local has started.
    const http = new LocalHttpServer({ clock, logger });
    const port = await http.listen(settings.port);
    teardown.add('HTTP server', () => http.close());

    print(`Starting DynamoDB Local (data in ${layout.dynamoDb}) ...`);
    const dynamoStarted = performance.now();
    const dynamo: DynamoDbLocal = await startDynamoDbLocal({ dbPath: layout.dynamoDb, detached: true });
    let stopping = false;
    teardown.add('DynamoDB Local', () => {
      stopping = true;
      return dynamo.stop();
    });
    // Without its database the service only answers 500s: better to stop and say why.
    void dynamo.exited.then(() => {
      if (!stopping) options.onFatal?.(new Error('DynamoDB Local exited unexpectedly; stopping. Start again to continue (the data is kept).'));
    });
    print(`DynamoDB Local ready in ${((performance.now() - dynamoStarted) / 1000).toFixed(1)} s (pid ${dynamo.pid}, port ${dynamo.port} on ${dynamo.listensOn})`);

    const client = dynamo.client();
    teardown.add('DynamoDB client', () => client.destroy());
    const { streamArn } = await ensureDeviceTable(client, LOCAL_TABLE_NAME);
    const store = new DynamoDbDeviceStore({ client, tableName: LOCAL_TABLE_NAME });
    await ensureHistoryTable(client, LOCAL_HISTORY_TABLE_NAME);
    const history = new OutageHistory({ store: new DynamoDbIncidentStore({ client, tableName: LOCAL_HISTORY_TABLE_NAME }), historyDays: settings.monitor.historyDays });

    const maintenance = new DynamoDbMaintenanceStore({ client, tableName: LOCAL_TABLE_NAME });

    const monitor = settings.monitor;
    http.serve(
      localHandlers({ store, maintenance, secrets, clock, monitor, logger, adminToken, minBeatSpacingSeconds: settings.minBeatSpacingSeconds, sweepEverySeconds: settings.sweepSeconds, history }),
    );

    const delivery = startLocalDelivery({
      settings,
      layout,
      client,
      clock,
      logger,
      serviceUrl: port === SETTINGS.port.default ? null : `http://127.0.0.1:${port}`,
      printError: options.printError ?? ((line) => logger.error(line)),
    });
    // Added before the sweep timer, so it stops after it: the last sweep's alerts are handed over first.
    if (delivery) teardown.add('alert delivery', () => delivery.stop());
    const sink = new LocalAlertSink({ file: layout.alerts, print });
    const publisher = delivery ? delivery.wrap(sink) : sink;
    const sweeper = new Sweeper(
      { store, maintenance, publisher, clock, settings: monitor, logger, history },
      // One segment: a local fleet is small, and DynamoDB Local shares our two cores.
      { segments: 1, writeConcurrency: 8 },
    );
    const timer: SweepTimer = startSweepTimer({ sweep: () => sweeper.sweep(), everyMs: settings.sweepSeconds * 1000, logger, immediately: true });
    teardown.add('sweep timer', () => timer.stop());

    // Instant alerts: the table's stream, read as Lambda's event source mapping reads it on AWS.
    const streams = new DynamoDBStreamsClient(localClientConfig(dynamo.endpoint));
    teardown.add('DynamoDB Streams client', () => streams.destroy());
    const instantAlerts = createInstantAlertJob({ outbox: new AlertOutbox({ store, maintenance, publisher, clock, settings: monitor, logger, history }, { writeConcurrency: 8 }), clock, logger });
    const poller = await startStreamPoller({ client: streams, streamArn, handle: (records) => instantAlerts(records, INSTANT_ALERT_BUDGET_MS), logger });
    teardown.add('stream poller', () => poller.stop());
    // Undo runs last-in first-out: after the timer, close HTTP (letting requests in flight finish)
    // while DynamoDB Local still answers them. The earlier close step then finds nothing to do.
    teardown.add('HTTP server', () => http.close());

    return {
      url: `http://127.0.0.1:${port}`,
      port,
      adminToken,
      dynamoDb: { endpoint: dynamo.endpoint, port: dynamo.port, pid: dynamo.pid },
      signingSecrets: () => secrets.signingSecrets(),
      stop: () => teardown.run(),
    };
  } catch (error) {
    await teardown.run();
    throw error;
  }
}

/** What the local handlers are built from: the adapters `startLocalService` makes, or a test's. */
export interface LocalHandlerDeps {
  readonly store: DeviceStore;
  /** Where maintenance windows are kept (the routes, and uptime leaves their time out). */
  readonly maintenance: MaintenanceStore;
  readonly secrets: SigningSecretSource;
  readonly clock: Clock;
  readonly monitor: MonitorSettings;
  readonly logger: Logger;
  /** The credential the management routes ask for (IAM's part on AWS). */
  readonly adminToken: string;
  /** Seconds between accepted beats of one device; 0 turns the local throttle off. */
  readonly minBeatSpacingSeconds: number;
  /** The sweep period the health answer reports. */
  readonly sweepEverySeconds: number;
  /** The outage history (uptime and the incident routes); `null`: none is kept (tests about something else). */
  readonly history: OutageHistory | null;
}

/** The handlers local mode serves, one per route target: the same ones the Lambdas run. */
export function localHandlers(deps: LocalHandlerDeps): LocalHandlers {
  const { store, secrets, clock, monitor, logger } = deps;
  return {
    ingest: createIngestApi({
      recorder: new HeartbeatRecorder({ store, clock, settings: monitor, logger }),
      secrets,
      logger,
      ...(deps.minBeatSpacingSeconds > 0 ? { throttle: minSpacingThrottle(deps.minBeatSpacingSeconds, clock) } : {}),
    }),
    management: createManagementApi({
      manager: new FleetManager({
        store,
        clock,
        settings: monitor,
        sweepEverySeconds: deps.sweepEverySeconds,
        history: deps.history,
        maintenance: deps.maintenance,
      }),
      maintenance: new MaintenancePlanner({ store: deps.maintenance, clock }),
      authorize: adminTokenAuthorizer(deps.adminToken),
      logger,
    }),
  };
}

/** Delivery to the channels of `settings`, or null when none is configured. */
function startLocalDelivery(deps: {
  readonly settings: LocalSettings;
  readonly layout: DataDirLayout;
  readonly client: DynamoDBClient;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly serviceUrl: string | null;
  readonly printError: (line: string) => void;
}): LocalDelivery | null {
  const { channels } = deps.settings;
  const settings: ChannelSettings = {
    ...(channels.webhookUrl === null
      ? {}
      : { webhook: { url: channels.webhookUrl, secret: channels.webhookSecretFromEnv ?? readOrCreateWebhookSecret(deps.layout.webhookSecret) } }),
    ...(channels.slackUrl === null ? {} : { slack: { url: channels.slackUrl } }),
    ...(channels.pagerDuty === null ? {} : { pagerDuty: channels.pagerDuty }),
  };
  const list = buildChannels(settings, {
    render: { serviceUrl: deps.serviceUrl },
    fleets: () => new DynamoDbFleetIncidents({ client: deps.client, tableName: LOCAL_TABLE_NAME, clock: deps.clock }),
  });
  if (list.length === 0) return null;
  const stopper = new AbortController();
  return new LocalDelivery({
    dispatcher: new AlertDispatcher({
      channels: list,
      sender: fetchHttpSender,
      clock: deps.clock,
      sleep: timerSleep,
      retry: channels.retry,
      logger: deps.logger,
      stop: stopper.signal,
    }),
    undelivered: new LocalUndeliveredLog({ file: deps.layout.undelivered, printError: deps.printError }),
    stopper,
    logger: deps.logger,
  });
}

