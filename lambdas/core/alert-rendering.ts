/**
 * One renderer for every channel: the same alert as a plain-text email a person reads in five
 * seconds, an SMS of at most 140 characters, a Slack message, a PagerDuty Events API v2 event, and
 * the SNS `MessageStructure: "json"` envelope that carries the first two beside the alert JSON.
 * Pure functions: no SDK, no clock, no environment.
 */
import { alertSubject, formatDuration, type Alert, type DeviceDownAlert, type FleetDownAlert } from './alerts';

/** What the renderer needs to know about the deployment, to tell a person how to act. */
export interface RenderOptions {
  /** Base URL of the service's API, for the pause command; `null` for local mode's default URL. */
  readonly serviceUrl: string | null;
}

/** SMS carriers split or cut longer texts; the contract caps ours at 140 characters. */
export const MAX_SMS_CHARS = 140;

/** At most this many device ids are listed in a person's text about a fleet; the alert JSON has them all. */
const FLEET_IDS_SHOWN = 20;

/** `2026-11-25 10:00:41 UTC`: a time a person reads without parsing ISO-8601. */
export function readableTime(iso: string | null): string {
  if (iso === null) return 'never';
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

/** `10:00 UTC`: short enough for an SMS. */
function clockTime(iso: string): string {
  return `${iso.slice(11, 16)} UTC`;
}

/** When the outage began: the deadline for a timeout, the beat for a fail (the incident id ends with it). */
export function downSinceOf(alert: DeviceDownAlert): string {
  return alert.reason === 'fail' ? alert.detectedAt : (alert.deadline ?? alert.detectedAt);
}

/** The command that mutes the device, as the person would type it. */
export function pauseCommand(deviceId: string, options: RenderOptions): string {
  return `npx heartbeat pause ${deviceId}${options.serviceUrl === null ? '' : ` --url ${options.serviceUrl}`}`;
}

/** The facts of an alert, in the order a person wants them: label and value. */
export function alertFacts(alert: Alert): [string, string][] {
  const group = alert.group ?? '(none)';
  switch (alert.type) {
    case 'device.down':
      return [
        ['What', alert.reason === 'fail' ? 'the device reported itself failing' : `no heartbeat before its deadline (interval ${alert.interval} s, grace ${alert.grace} s)`],
        ['Device', alert.deviceId],
        ['Group', group],
        ['Down since', readableTime(downSinceOf(alert))],
        ['Last seen', readableTime(alert.lastSeen)],
        ['Last message', alert.message ?? '(none)'],
        ['Incident', alert.incidentId],
      ];
    case 'device.up':
      return [
        ['What', `heartbeats are back after ${formatDuration(alert.downForSeconds)} down`],
        ['Device', alert.deviceId],
        ['Group', group],
        ['Down since', readableTime(alert.downSince)],
        ['Back at', readableTime(alert.detectedAt)],
        ['Incident', alert.incidentId],
      ];
    case 'device.still_down':
      return [
        ['What', `still down, reminder ${alert.reminder}`],
        ['Device', alert.deviceId],
        ['Group', group],
        ['Down since', `${readableTime(alert.downSince)} (${formatDuration(alert.downForSeconds)} ago)`],
        ['Last seen', readableTime(alert.lastSeen)],
        ['Last message', alert.message ?? '(none)'],
        ['Incident', alert.incidentId],
      ];
    case 'fleet.down':
      return [
        ['What', `${alert.count} devices of one group went down in the same sweep`],
        ['Group', group],
        ['Devices', fleetDeviceList(alert)],
        ['Detected', readableTime(alert.detectedAt)],
        ['Incidents', `${alert.incidentIds[0] ?? ''}${alert.count > 1 ? ` and ${alert.count - 1} more` : ''}`],
      ];
  }
}

function fleetDeviceList(alert: FleetDownAlert): string {
  const shown = alert.deviceIds.slice(0, FLEET_IDS_SHOWN).join(', ');
  return alert.count > FLEET_IDS_SHOWN ? `${shown} and ${alert.count - FLEET_IDS_SHOWN} more` : shown;
}

/** What the person can do next, one line each. */
function nextSteps(alert: Alert, options: RenderOptions): string[] {
  switch (alert.type) {
    case 'device.down':
    case 'device.still_down':
      return ['To stop alerts for this device while you work on it:', `  ${pauseCommand(alert.deviceId, options)}`];
    case 'fleet.down':
      return ['To stop alerts for one of these devices while you work on it:', `  ${pauseCommand('<device id>', options)}`];
    case 'device.up':
      return ['Nothing to do: this closes the incident above.'];
  }
}

/** The plain-text email body (SNS `email` protocol). */
export function emailBody(alert: Alert, options: RenderOptions): string {
  const facts = alertFacts(alert);
  const width = Math.max(...facts.map(([label]) => label.length)) + 2;
  return [
    alertSubject(alert),
    '',
    ...facts.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}`),
    '',
    ...nextSteps(alert, options),
    '',
    `-- Heartbeat monitor. Alert type ${alert.type}; the same incident id is on every message about this outage.`,
    '',
  ].join('\n');
}

/** Adds optional parts while they fit in `max` characters; the first part is cut if it alone is too long. */
function fitParts(parts: readonly string[], max: number, separator = '. '): string {
  let text = (parts[0] ?? '').slice(0, max);
  for (const part of parts.slice(1)) {
    const next = `${text}${separator}${part}`;
    if (next.length <= max) text = next;
  }
  return text;
}

const lastSeen = (iso: string | null): string[] => (iso === null ? [] : [`Last seen ${clockTime(iso)}`]);

/** The SMS text (SNS `sms` protocol): the subject, then as many useful facts as fit in 140 characters. */
export function smsText(alert: Alert): string {
  const subject = alertSubject(alert);
  const group = alert.group === null ? [] : [`Group ${alert.group}`];
  switch (alert.type) {
    case 'device.down':
      return fitParts(
        [subject, `Since ${clockTime(downSinceOf(alert))}`, ...lastSeen(alert.lastSeen), ...group, ...(alert.message ? [`"${alert.message}"`] : [])],
        MAX_SMS_CHARS,
      );
    case 'device.up':
      return fitParts([subject, `Down since ${clockTime(alert.downSince)}`, ...group], MAX_SMS_CHARS);
    case 'device.still_down':
      return fitParts([subject, `Since ${clockTime(alert.downSince)}`, `Reminder ${alert.reminder}`, ...lastSeen(alert.lastSeen), ...group], MAX_SMS_CHARS);
    case 'fleet.down':
      return fitParts([subject, `First: ${alert.deviceIds.slice(0, 3).join(', ')}`], MAX_SMS_CHARS);
  }
}

/** The SNS message body for `MessageStructure: "json"`: the alert JSON by default, readable text for email and SMS. */
export function snsMessage(alert: Alert, options: RenderOptions): string {
  return JSON.stringify({ default: JSON.stringify(alert), email: emailBody(alert, options), sms: smsText(alert) });
}

/** A Slack incoming-webhook message: `text` (notifications, old clients) and `blocks` (what people see). */
export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly Record<string, unknown>[];
}

/** Slack's mrkdwn treats `&`, `<` and `>` as control characters. */
function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Slack caps a header at 150 characters and a section field at 2000. */
const SLACK_FIELD_CHARS = 2000;

/** The Slack message: subject first, then the facts a person needs, then what to do. */
export function slackMessage(alert: Alert, options: RenderOptions): SlackMessage {
  const subject = alertSubject(alert);
  const facts = alertFacts(alert).filter(([label]) => label !== 'What');
  const what = alertFacts(alert).find(([label]) => label === 'What')?.[1] ?? '';
  const steps = nextSteps(alert, options).map((line) => line.trim());
  const action = steps.length > 1 ? `${steps[0]} \`${steps[1]}\`` : (steps[0] ?? '');
  return {
    text: subject,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: subject, emoji: false } },
      { type: 'section', text: { type: 'mrkdwn', text: slackEscape(what) } },
      {
        type: 'section',
        // Slack takes at most 10 fields per section.
        fields: facts.slice(0, 10).map(([label, value]) => ({ type: 'mrkdwn', text: `*${label}*\n${slackEscape(value)}`.slice(0, SLACK_FIELD_CHARS) })),
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: slackEscape(action) }] },
    ],
  };
}

/** The PagerDuty dedup key of a `fleet.down`: one incident per storm, named after its group and its first outage. */
export function fleetDedupKey(alert: FleetDownAlert): string {
  return `fleet:${alert.group ?? ''}:${alert.incidentIds[0] ?? alert.detectedAt}`;
}

/** A PagerDuty Events API v2 event: a trigger with its payload, or a resolve by dedup key. */
export type PagerDutyEvent =
  | {
      readonly routing_key: string;
      readonly event_action: 'trigger';
      readonly dedup_key: string;
      readonly payload: {
        readonly summary: string;
        readonly source: string;
        readonly severity: 'critical';
        readonly timestamp: string;
        readonly group?: string;
        readonly class: string;
        readonly custom_details: Alert;
      };
    }
  | { readonly routing_key: string; readonly event_action: 'resolve'; readonly dedup_key: string };

/** The trigger event of a `device.down` or `fleet.down`. */
export function pagerDutyTrigger(alert: DeviceDownAlert | FleetDownAlert, routingKey: string): PagerDutyEvent {
  const source = alert.type === 'device.down' ? alert.deviceId : (alert.group ?? '(no group)');
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: alert.type === 'device.down' ? alert.incidentId : fleetDedupKey(alert),
    payload: {
      summary: alertSubject(alert),
      source,
      severity: 'critical',
      timestamp: alert.detectedAt,
      ...(alert.group === null ? {} : { group: alert.group }),
      class: alert.type,
      custom_details: alert,
    },
  };
}

/** The resolve event of one incident. */
export function pagerDutyResolve(dedupKey: string, routingKey: string): PagerDutyEvent {
  return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey };
}
