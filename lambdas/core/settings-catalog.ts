/**
 * Every setting of the service, declared once: its name, kind, default, range, where each runtime
 * reads it and one line of documentation. The CDK construct (its props, their validation, the `-c`
 * context keys of the stack and the Lambda environment it sets), the Lambda config, local mode (its
 * flags and environment variables), the CLI help and the cost model all read this table; no other
 * file writes a setting's default or range.
 *
 * HOW TO ADD A SETTING (one entry here, then use the value):
 *   1. Add an entry to SETTINGS. Its key is the construct prop and the `-c` context key.
 *      - `prop: true`: a HeartbeatMonitor prop (typed from `kind`, checked at synth against the range).
 *      - `context: true`: also `npx cdk deploy -c <key>=...` (needs `prop`); a string gives the key another name.
 *      - `lambda: { env, setOn }`: the Lambda config reads `env`; the construct sets it on the functions
 *        listed in `setOn` (only when the setting is a prop).
 *      - `local: { flag, env }`: `heartbeat start --flag` or the environment variable; the help is
 *        generated from `doc`, `unit` and the default.
 *      - `core: true`: part of MonitorSettings, the deployment-wide settings the domain core receives
 *        (lambdas/core/model.ts); the Lambda config and local mode then parse it with no further code.
 *   2. Use the value: `settings.<key>` in the core (core: true), a field of LocalSettings in
 *      lambdas/local/settings.ts (local-only settings), or `settings.<key>` in lib/heartbeat-monitor.ts.
 *   3. test/unit/settings-catalog.test.ts checks the table's own consistency.
 *
 * Core module: no SDK, no process.env; plain data and the checks that go with it.
 */
import { MIN_SIGNING_SECRET_CHARS } from './signing-secrets';

/** The Lambda functions of the stack, for `lambda.setOn`. */
export type FunctionRole = 'ingest' | 'sweeper' | 'instantAlerts' | 'management';

/** What every setting declares. */
interface SettingBase {
  /** One line for a person: what the setting does. Shown by the CLI help and the docs. */
  readonly doc: string;
  /** A HeartbeatMonitor construct prop named like the entry. */
  readonly prop?: boolean;
  /** Also a CDK context key of the stack (`-c key=value`): `true` names it like the entry, a string names it otherwise. */
  readonly context?: boolean | string;
  /** Part of MonitorSettings (what the domain core is given). */
  readonly core?: boolean;
  /** The Lambda runtime reads it from `env`; the construct sets it on the functions in `setOn`. */
  readonly lambda?: { readonly env: string; readonly setOn: readonly FunctionRole[] };
  /** Local mode reads it from `flag`, else from the environment variable `env` (at least one of them). */
  readonly local?: { readonly flag?: string; readonly env?: string };
}

/** A whole number in a closed range. `default: null` means "none": the core then decides (see doc). */
export interface IntegerSettingSpec extends SettingBase {
  readonly kind: 'integer';
  readonly min: number;
  readonly max: number;
  readonly default: number | null;
  /** The word the CLI help puts in `--flag <unit>`. */
  readonly unit: string;
  /** How the help states a `null` default. */
  readonly defaultText?: string;
  /** Another setting this one may not be below (a maximum of a minimum): it raises this one's range floor and default. */
  readonly atLeast?: string;
  /** 0 turns the feature off; any other value must be at least this (a period that must not be too short). */
  readonly offOrAtLeast?: number;
}

/** One of a few words. */
export interface ChoiceSettingSpec extends SettingBase {
  readonly kind: 'choice';
  readonly choices: readonly string[];
  readonly default: string;
}

/** A number above zero (fractions allowed). */
export interface PositiveNumberSettingSpec extends SettingBase {
  readonly kind: 'positive';
  readonly default: number;
  readonly unit: string;
}

/** true or false. */
export interface BooleanSettingSpec extends SettingBase {
  readonly kind: 'boolean';
  readonly default: boolean;
}

/**
 * Free text, with an optional check: `email` (the shape of an address), `directory` (not blank),
 * `httpsUrl` (an https URL), `secretName` (Secrets Manager's rule for names).
 */
export interface TextSettingSpec extends SettingBase {
  readonly kind: 'text';
  readonly default: string | null;
  readonly unit: string;
  readonly check?: 'email' | 'directory' | 'httpsUrl' | 'secretName';
  readonly defaultText?: string;
  /** When set, a context value once given must be non-empty text, described as this (`-c key=` is a mistake, not "off"). */
  readonly contextWhat?: string;
}

/** A secret: from the environment only (never a flag, which other users of the machine can read in `ps`). */
export interface SecretSettingSpec extends SettingBase {
  readonly kind: 'secret';
  readonly default: null;
  readonly minChars: number;
}

/** One entry of the catalog. */
export type SettingSpec = IntegerSettingSpec | ChoiceSettingSpec | PositiveNumberSettingSpec | BooleanSettingSpec | TextSettingSpec | SecretSettingSpec;

/** Longest interval and grace a device may have (contract: 5 to 86400, and 0 to 86400). */
const MAX_INTERVAL_SECONDS = 86_400;
const MAX_GRACE_SECONDS = 86_400;
/** The longest deadline there is, in whole days: a record must outlive it, or a silent device could vanish before it alerts. */
const LONGEST_DEADLINE_DAYS = Math.ceil((MAX_INTERVAL_SECONDS + MAX_GRACE_SECONDS) / 86_400);


/** Fixed facts of the deployment that are not settings, shared by the construct and the cost model. */
export const DEPLOYMENT = {
  /** Memory of each function, MB. */
  memoryMb: { ingest: 256, sweeper: 512, instantAlerts: 256, management: 256, notifier: 256 },
  /** Seconds between scheduled invocations of the sweeper on AWS (EventBridge fires at most once a minute); each one covers one such period. */
  sweepScheduleSeconds: 60,
} as const;

/**
 * The settings. Order is the order of the CLI help. See the top of this file for how to add one.
 */
export const SETTINGS = {
  // --- local mode only ------------------------------------------------------------------------
  port: {
    kind: 'integer', min: 0, max: 65_535, default: 8080, unit: 'n',
    doc: 'port on 127.0.0.1, 0 for a free one',
    local: { flag: '--port', env: 'PORT' },
  },
  dataDir: {
    kind: 'text', default: '.heartbeat', unit: 'dir', check: 'directory',
    doc: 'where devices, secrets and alerts are kept',
    local: { flag: '--data-dir', env: 'HEARTBEAT_DATA_DIR' },
  },
  localSweepSeconds: {
    kind: 'integer', min: 1, max: 86_400, default: 60, unit: 'seconds',
    doc: 'seconds between the end of one sweep and the start of the next',
    local: { flag: '--sweep-every', env: 'HEARTBEAT_SWEEP_SECONDS' },
  },
  minBeatSpacingSeconds: {
    // Off by default, as the contract says; on AWS the stage throttling plays this part.
    kind: 'integer', min: 0, max: 86_400, default: 0, unit: 'seconds',
    doc: 'accept at most one beat per device this often, 429 otherwise; 0 off',
    local: { flag: '--min-beat-spacing', env: 'HEARTBEAT_MIN_BEAT_SPACING' },
  },
  // Delivery channels: parsed by lambdas/local/channel-settings.ts (local URLs may be http).
  localWebhookUrl: {
    kind: 'text', default: null, unit: 'url', defaultText: 'none',
    doc: 'also POST every alert here, signed as Standard Webhooks (key: HEARTBEAT_WEBHOOK_SECRET, or <data dir>/webhook-secret)',
    local: { flag: '--webhook' },
  },
  localSlackWebhookUrl: {
    kind: 'text', default: null, unit: 'url', defaultText: 'none',
    doc: 'also post every alert to this Slack incoming webhook',
    local: { flag: '--slack-webhook' },
  },
  pagerDutyRoutingKey: {
    kind: 'text', default: null, unit: 'key', defaultText: 'none',
    doc: 'trigger and resolve PagerDuty incidents (Events API v2) with this routing key',
    local: { flag: '--pagerduty-routing-key', env: 'HEARTBEAT_PAGERDUTY_ROUTING_KEY' },
  },
  pagerDutyUrl: {
    kind: 'text', default: 'https://events.pagerduty.com/v2/enqueue', unit: 'url',
    doc: 'PagerDuty Events API v2 endpoint',
    local: { flag: '--pagerduty-url' },
  },
  webhookSecret: {
    kind: 'secret', default: null, minChars: 1,
    doc: 'the webhook signing key as whsec_<base64>; unset, one is created once in the data directory',
    local: { env: 'HEARTBEAT_WEBHOOK_SECRET' },
  },
  signingSecret: {
    kind: 'secret', default: null, minChars: MIN_SIGNING_SECRET_CHARS,
    doc: 'the device-token signing secret; unset, one is created once in the data directory',
    local: { env: 'HEARTBEAT_SIGNING_SECRET' },
  },
  previousSigningSecret: {
    kind: 'secret', default: null, minChars: MIN_SIGNING_SECRET_CHARS,
    doc: 'the previous signing secret, still accepted during a rotation (needs HEARTBEAT_SIGNING_SECRET)',
    local: { env: 'HEARTBEAT_PREVIOUS_SIGNING_SECRET' },
  },
  adminToken: {
    kind: 'secret', default: null, minChars: MIN_SIGNING_SECRET_CHARS,
    doc: 'the admin token of the management routes; unset, one is created once in the data directory',
    local: { env: 'HEARTBEAT_ADMIN_TOKEN' },
  },

  // --- what the domain core is given (both runtimes) -------------------------------------------
  // Its range is also the range of every device's interval, and defaultGraceSeconds' that of every grace (LIMITS in model.ts).
  defaultIntervalSeconds: {
    kind: 'integer', min: 5, max: MAX_INTERVAL_SECONDS, default: 60, unit: 'seconds',
    doc: 'interval (seconds between beats) of a device that never stated one',
    core: true, prop: true,
    lambda: { env: 'DEFAULT_INTERVAL_SECONDS', setOn: ['ingest', 'sweeper', 'instantAlerts', 'management'] },
    local: { flag: '--default-interval', env: 'HEARTBEAT_DEFAULT_INTERVAL' },
  },
  defaultGraceSeconds: {
    kind: 'integer', min: 0, max: MAX_GRACE_SECONDS, default: null, unit: 'seconds', defaultText: 'equal to the interval',
    doc: 'grace (extra seconds of silence) of a device that never stated one; unset, it follows the interval, so one lost beat never alerts',
    core: true, prop: true,
    lambda: { env: 'DEFAULT_GRACE_SECONDS', setOn: ['ingest', 'sweeper', 'instantAlerts', 'management'] },
    local: { flag: '--default-grace', env: 'HEARTBEAT_DEFAULT_GRACE' },
  },
  retentionDays: {
    // A day more than the longest deadline, so a silent device always turns down (which removes its TTL) before the TTL can reclaim it.
    kind: 'integer', min: LONGEST_DEADLINE_DAYS + 1, max: 3650, default: 30, unit: 'days',
    doc: 'days a silent device is kept before its record is reclaimed (DynamoDB TTL); every ok beat restarts the count, and a device that is down or never beat is kept',
    core: true, prop: true, context: true,
    lambda: { env: 'RETENTION_DAYS', setOn: ['ingest', 'sweeper', 'instantAlerts', 'management'] },
    local: { flag: '--retention-days', env: 'HEARTBEAT_RETENTION_DAYS' },
  },
  stormThreshold: {
    kind: 'integer', min: 0, max: 1_000_000, default: 25, unit: 'n',
    doc: 'more devices of one group going down in one sweep than this become one fleet.down alert; 0 turns aggregation off',
    core: true, prop: true, context: true,
    lambda: { env: 'STORM_THRESHOLD', setOn: ['sweeper', 'instantAlerts'] },
    local: { flag: '--storm-threshold', env: 'HEARTBEAT_STORM_THRESHOLD' },
  },
  repeatEverySeconds: {
    // At least 5 minutes apart when on: a long outage must not flood on-call.
    kind: 'integer', min: 0, max: 604_800, default: 0, offOrAtLeast: 300, unit: 'seconds',
    doc: 'a device.still_down reminder every this many seconds while a device stays down (email, SMS, webhook, Slack; never PagerDuty); 0 off, else at least 300',
    core: true, prop: true, context: 'repeatEvery',
    lambda: { env: 'REPEAT_EVERY_SECONDS', setOn: ['sweeper'] },
    local: { flag: '--repeat-every', env: 'HEARTBEAT_REPEAT_SECONDS' },
  },
  historyDays: {
    // The contract keeps outage history at least 90 days.
    kind: 'integer', min: 90, max: 3650, default: 90, unit: 'days',
    doc: 'days the outage history keeps a closed outage (DynamoDB TTL on the history table); an open one is kept until it ends',
    core: true, prop: true, context: true,
    lambda: { env: 'HISTORY_DAYS', setOn: ['sweeper', 'instantAlerts', 'management'] },
    local: { flag: '--history-days', env: 'HEARTBEAT_HISTORY_DAYS' },
  },
  defaultFailThreshold: {
    kind: 'integer', min: 1, max: 100, default: 1, unit: 'n',
    doc: 'consecutive fail beats that open an outage, for a device that never stated its failThreshold; an ok beat resets the count',
    core: true, prop: true, context: 'failThreshold',
    lambda: { env: 'DEFAULT_FAIL_THRESHOLD', setOn: ['ingest', 'sweeper', 'instantAlerts', 'management'] },
    local: { flag: '--fail-threshold', env: 'HEARTBEAT_FAIL_THRESHOLD' },
  },
  defaultRecoverAfterSeconds: {
    kind: 'integer', min: 0, max: 86_400, default: 0, unit: 'seconds',
    doc: 'seconds a recovered device must stay up before its device.up, for a device that never stated its recoverAfter; going down before continues the same outage',
    core: true, prop: true, context: 'recoverAfter',
    lambda: { env: 'DEFAULT_RECOVER_AFTER_SECONDS', setOn: ['sweeper', 'instantAlerts', 'management'] },
    local: { flag: '--recover-after', env: 'HEARTBEAT_RECOVER_AFTER' },
  },
  adaptivePhi: {
    // Phi 8: the silence would be that improbable (10^-8) for a device as regular as its last gaps say (adaptive-detection.ts).
    kind: 'integer', min: 1, max: 16, default: 8, unit: 'n',
    doc: 'suspicion level (phi = -log10 of the chance of a silence this long) at which a device with detection adaptive is declared down; never later than its fixed deadline',
    core: true, prop: true, context: true,
    lambda: { env: 'ADAPTIVE_PHI', setOn: ['sweeper', 'instantAlerts'] },
    local: { flag: '--adaptive-phi', env: 'HEARTBEAT_ADAPTIVE_PHI' },
  },
  adaptivePauseSeconds: {
    // The shipped clients' retries (clients/retry-policy.json: 10 s timeout, backoff 1 s doubling) get a beat through
    // three lost attempts within 3 x 10 + 1 + 2 + 4 = 37 s; phi 8 at 1 % lost attempts needs three covered (adaptive-detection.ts).
    kind: 'integer', min: 0, max: 86_400, default: 37, unit: 'seconds',
    doc: 'silence a device with detection adaptive may add to its usual gap before its suspicion level counts (a late beat: the clients\' retries after lost attempts); never later than its fixed deadline',
    core: true, prop: true, context: 'adaptivePause',
    lambda: { env: 'ADAPTIVE_PAUSE_SECONDS', setOn: ['sweeper', 'instantAlerts'] },
    local: { flag: '--adaptive-pause', env: 'HEARTBEAT_ADAPTIVE_PAUSE' },
  },


  // --- AWS only -------------------------------------------------------------------------------
  sweepSegments: {
    kind: 'integer', min: 1, max: 1000, default: 4, unit: 'n',
    doc: 'parallel scan segments per sweep; raise it when the sweep duration alarm fires',
    prop: true, context: true,
    lambda: { env: 'SWEEP_SEGMENTS', setOn: ['sweeper'] },
  },
  sweepEverySeconds: {
    // README, "Cost": detection within 15 s for about $0.01 per million beats at 1M devices.
    kind: 'integer', min: 10, max: DEPLOYMENT.sweepScheduleSeconds, default: 15, unit: 'seconds',
    doc: 'seconds between sweeps; below 60 the once-a-minute invocation sweeps repeatedly through its minute (never two sweeps at once)',
    prop: true, context: 'sweepEvery',
    lambda: { env: 'SWEEP_EVERY_SECONDS', setOn: ['sweeper', 'management'] },
  },
  frontDoor: {
    kind: 'choice', choices: ['httpApi', 'functionUrl'], default: 'httpApi',
    doc: 'how devices reach the service: an API Gateway HTTP API, or Lambda function URLs (no per-request API Gateway charge; management on its own IAM URL, output ManagementUrl)',
    prop: true, context: true,
  },
  billing: {
    kind: 'choice', choices: ['onDemand', 'provisioned'], default: 'onDemand',
    doc: 'how the device table is billed; provisioned: auto scaling between the min and max capacities, cheaper for a steady fleet',
    prop: true, context: true,
  },
  minWriteCapacity: {
    kind: 'integer', min: 1, max: 1_000_000, default: 5, unit: 'units',
    doc: 'provisioned billing only: the fewest write capacity units auto scaling may set',
    prop: true, context: true,
  },
  maxWriteCapacity: {
    kind: 'integer', min: 1, max: 1_000_000, default: 1000, unit: 'units', atLeast: 'minWriteCapacity',
    doc: 'provisioned billing only: the most write capacity units auto scaling may set; beats beyond it are throttled (alarm TableWriteThrottles)',
    prop: true, context: true,
  },
  minReadCapacity: {
    kind: 'integer', min: 1, max: 1_000_000, default: 5, unit: 'units',
    doc: 'provisioned billing only: the fewest read capacity units auto scaling may set',
    prop: true,
  },
  maxReadCapacity: {
    kind: 'integer', min: 1, max: 1_000_000, default: 1000, unit: 'units', atLeast: 'minReadCapacity',
    doc: "provisioned billing only: the most read capacity units auto scaling may set (the sweep's scans read in bursts)",
    prop: true,
  },
  targetUtilizationPercent: {
    kind: 'integer', min: 20, max: 90, default: 70, unit: 'percent',
    doc: 'provisioned billing only: the consumed share of capacity that auto scaling aims for',
    prop: true,
  },
  alertEmail: {
    kind: 'text', default: null, unit: 'address', check: 'email', defaultText: 'no subscription',
    doc: 'email address subscribed to the alert topic and the ops (alarm) topic; each subscription must be confirmed from the mailbox',
    prop: true, context: true,
  },
  webhookUrl: {
    kind: 'text', default: null, unit: 'url', check: 'httpsUrl', defaultText: 'no webhook', contextWhat: 'the receiver URL',
    doc: 'webhook receiver of every alert: a signed POST of the alert JSON (Standard Webhooks); the key is generated in Secrets Manager (output WebhookSecretArn)',
    prop: true, context: true,
  },
  slackWebhookSecret: {
    kind: 'text', default: null, unit: 'name', check: 'secretName', defaultText: 'no Slack', contextWhat: 'the name of the secret holding the Slack webhook URL',
    doc: 'name of an existing Secrets Manager secret holding a Slack incoming-webhook URL; every alert is posted there',
    prop: true, context: true,
  },
  pagerDutySecret: {
    kind: 'text', default: null, unit: 'name', check: 'secretName', defaultText: 'no PagerDuty', contextWhat: 'the name of the secret holding the PagerDuty routing key',
    doc: 'name of an existing Secrets Manager secret holding a PagerDuty Events API v2 routing key: device.down and fleet.down trigger, device.up resolves',
    prop: true, context: true,
  },
  throttleRateLimit: {
    kind: 'positive', default: 1000, unit: 'requests/s',
    doc: "steady-state requests per second the API's default stage accepts (all routes together); above it API Gateway answers 429",
    prop: true,
  },
  throttleBurstLimit: {
    kind: 'integer', min: 1, max: 1_000_000, default: 2000, unit: 'requests',
    doc: "requests the API's default stage accepts in a burst",
    prop: true,
  },
  ingestReservedConcurrency: {
    // It comes out of the account's Lambda concurrency quota, whose unreserved part must stay at
    // least 100: with the defaults the account needs a quota of at least 202 (ingest + 2 for the
    // sweeper + 100). New accounts may start with 10: raise it, or set reserveConcurrency false.
    kind: 'integer', min: 1, max: 100_000, default: 100, unit: 'n',
    doc: 'reserved concurrency of the ingest function: caps what a beat storm can cost and keeps that capacity for ingest',
    prop: true,
  },
  reserveConcurrency: {
    kind: 'boolean', default: true,
    doc: 'whether to reserve Lambda concurrency at all (ingest: ingestReservedConcurrency; sweeper: 2); false for accounts with a small quota',
    prop: true, context: true,
  },
} as const satisfies Record<string, SettingSpec>;


/**
 * Environment variables through which the construct tells a function where its resources are and
 * how the stack runs it. Not settings: the stack fills them in; the handlers read them.
 */
export const STACK_ENV = {
  tableName: 'TABLE_NAME',
  /** The outage history's table (incidents and pauses). */
  historyTableName: 'HISTORY_TABLE_NAME',
  signingSecretArn: 'SIGNING_SECRET_ARN',
  alertTopicArn: 'ALERT_TOPIC_ARN',
  /** The API's base URL, for the pause command in alert emails. */
  apiUrl: 'API_URL',
  /** With frontDoor functionUrl the ingest function answers the health route too. */
  serveHealth: 'SERVE_HEALTH',
  // The notifier's channels: each variable is set only when its channel is on.
  webhookUrl: 'WEBHOOK_URL',
  webhookSecretArn: 'WEBHOOK_SECRET_ARN',
  slackSecretArn: 'SLACK_SECRET_ARN',
  pagerDutySecretArn: 'PAGERDUTY_SECRET_ARN',
  /** A PagerDuty endpoint other than the public one (tests point it at a stand-in). */
  pagerDutyUrl: 'PAGERDUTY_URL',
  deadLetterQueueUrl: 'DEAD_LETTER_QUEUE_URL',
} as const;

type Catalog = typeof SETTINGS;
/** The name of a setting. */
export type SettingKey = keyof Catalog;

/** The value type a setting's spec produces; `null` where the default is "none". */
export type SettingValue<K extends SettingKey> = Catalog[K] extends { kind: 'choice'; choices: readonly (infer Choice)[] }
  ? Choice
  : Catalog[K] extends { kind: 'integer' | 'positive' }
  ? Catalog[K] extends { default: null }
    ? number | null
    : number
  : Catalog[K] extends { kind: 'boolean' }
    ? boolean
    : Catalog[K] extends { default: null }
      ? string | null
      : string;

type KeysWhere<Flag extends string> = { [K in SettingKey]: Catalog[K] extends Record<Flag, true> ? K : never }[SettingKey];

/** The settings the domain core is given (MonitorSettings). */
export type CoreSettingKey = KeysWhere<'core'>;
/** The settings that are HeartbeatMonitor props. */
export type PropSettingKey = KeysWhere<'prop'>;

/** Every key of the catalog, in its order. */
export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

/** The spec of one setting, widened to SettingSpec for generic code. */
export function settingSpec(key: SettingKey): SettingSpec {
  return SETTINGS[key];
}

/** The keys whose spec passes `test`, in catalog order. */
export function settingKeys(test: (spec: SettingSpec) => boolean): SettingKey[] {
  return SETTING_KEYS.filter((key) => test(settingSpec(key)));
}

/** The keys of the core settings, in catalog order. */
export const CORE_SETTING_KEYS = settingKeys((spec) => spec.core === true) as CoreSettingKey[];

/** The keys of the construct props, in catalog order. */
export const PROP_SETTING_KEYS = settingKeys((spec) => spec.prop === true) as PropSettingKey[];

/** The keys that are also CDK context keys of the stack, in catalog order. */
export const CONTEXT_SETTING_KEYS = settingKeys((spec) => spec.context !== undefined && spec.context !== false) as PropSettingKey[];

/** The CDK context key of a setting (see `context`). */
export function contextKey(key: SettingKey): string {
  const context = settingSpec(key).context;
  return typeof context === 'string' ? context : key;
}

/** The default of a setting as the CLI help states it. */
export function defaultText(spec: SettingSpec): string {
  if ('defaultText' in spec && spec.defaultText !== undefined) return spec.defaultText;
  if (spec.default === null) return 'none';
  return String(spec.default);
}

/** A setting's value that breaks its spec: the message says the rule and the value, for the caller to prefix or wrap. */
export function settingProblem(spec: SettingSpec, name: string, value: unknown): string | null {
  switch (spec.kind) {
    case 'integer':
      if (!(typeof value === 'number' && Number.isInteger(value) && value >= spec.min && value <= spec.max)) {
        return `${name} must be a whole number from ${spec.min} to ${spec.max}, got ${String(value)}.`;
      }
      if (spec.offOrAtLeast !== undefined && value !== 0 && value < spec.offOrAtLeast) {
        return `${name} must be 0 (off) or from ${spec.offOrAtLeast} to ${spec.max}, got ${value}.`;
      }
      return null;
    case 'choice':
      return typeof value === 'string' && spec.choices.includes(value) ? null : `${name} must be one of ${spec.choices.join(', ')}, got "${String(value)}".`;
    case 'positive':
      return typeof value === 'number' && Number.isFinite(value) && value > 0 ? null : `${name} must be a positive number, got ${String(value)}.`;
    case 'boolean':
      return typeof value === 'boolean' ? null : `${name} must be true or false, got ${String(value)}.`;
    case 'text':
      if (typeof value !== 'string') return `${name} must be text, got ${String(value)}.`;
      // Deliberately loose: SNS sends a confirmation mail, which is the real check. This catches typos like a missing '@'.
      if (spec.check === 'email' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)) return `${name} must be an email address, got "${value}".`;
      if (spec.check === 'directory' && value.trim() === '') return `${name} must name a directory.`;
      if (spec.check === 'httpsUrl' && !isHttpsUrl(value)) return `${name} must be an https URL such as https://example.com/hooks/heartbeat, got "${value}".`;
      // Secrets Manager's own rule for names; whether the secret exists is only known at deploy time.
      if (spec.check === 'secretName' && !/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(value)) {
        return `${name} must name a Secrets Manager secret (1-512 characters of A-Z a-z 0-9 / _ + = . @ -), got "${value}".`;
      }
      return null;
    case 'secret':
      return typeof value === 'string' && value.length >= spec.minChars && !/\s/.test(value)
        ? null
        : `${name} must be at least ${spec.minChars} characters with no spaces (or unset it to use a generated one).`;
  }
}

function isHttpsUrl(text: string): boolean {
  try {
    return new URL(text).protocol === 'https:';
  } catch {
    return false;
  }
}
