/**
 * The one renderer every channel uses: the email body and SMS text exactly as a person sees them,
 * the 140-character SMS limit for any id and message, Slack's text + blocks with mrkdwn escaped,
 * PagerDuty's Events API v2 fields and dedup keys, and the SNS `MessageStructure: "json"` envelope.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_SMS_CHARS,
  emailBody,
  fleetDedupKey,
  pagerDutyResolve,
  pagerDutyTrigger,
  slackMessage,
  smsText,
  snsMessage,
} from '../../lambdas/core/alert-rendering';
import type { Alert, DeviceDownAlert, DeviceStillDownAlert, DeviceUpAlert, FleetDownAlert } from '../../lambdas/core/alerts';

const API = 'https://abc123.execute-api.eu-west-1.amazonaws.com/';
const render = { serviceUrl: API };

const down: DeviceDownAlert = {
  type: 'device.down', incidentId: 'sensor-42:2026-11-25T10:00:00.000Z', deviceId: 'sensor-42', group: 'plant-a',
  lastSeen: '2026-11-25T09:58:00.000Z', deadline: '2026-11-25T10:00:00.000Z', detectedAt: '2026-11-25T10:00:41.000Z',
  reason: 'timeout', interval: 60, grace: 60, message: 'battery 12%',
};
const up: DeviceUpAlert = {
  type: 'device.up', incidentId: 'sensor-42:2026-11-25T10:00:00.000Z', deviceId: 'sensor-42', group: 'plant-a',
  lastSeen: '2026-11-25T10:12:30.000Z', deadline: '2026-11-25T10:14:30.000Z', detectedAt: '2026-11-25T10:12:30.000Z',
  downSince: '2026-11-25T10:00:00.000Z', downForSeconds: 750, reason: 'timeout', interval: 60, grace: 60,
};
const stillDown: DeviceStillDownAlert = {
  type: 'device.still_down', incidentId: down.incidentId, deviceId: 'sensor-42', group: 'plant-a', lastSeen: down.lastSeen,
  detectedAt: '2026-11-25T10:30:00.000Z', downSince: '2026-11-25T10:00:00.000Z', downForSeconds: 1800, reminder: 2, message: null,
};
const fleet: FleetDownAlert = {
  type: 'fleet.down', group: 'plant-a', count: 3, deviceIds: ['a', 'b', 'c'],
  incidentIds: ['a:2026-11-25T10:00:00.000Z', 'b:2026-11-25T10:00:00.000Z', 'c:2026-11-25T10:00:00.000Z'], detectedAt: '2026-11-25T10:00:41.000Z',
};

describe('emailBody', () => {
  it('tells what, which device and group, since when, last seen, last message, the incident and how to pause', () => {
    // Act
    const body = emailBody(down, render);

    // Assess
    expect(body).toBe(
      [
        'DOWN sensor-42: silent for 2m 41s',
        '',
        'What:         no heartbeat before its deadline (interval 60 s, grace 60 s)',
        'Device:       sensor-42',
        'Group:        plant-a',
        'Down since:   2026-11-25 10:00:00 UTC',
        'Last seen:    2026-11-25 09:58:00 UTC',
        'Last message: battery 12%',
        'Incident:     sensor-42:2026-11-25T10:00:00.000Z',
        '',
        'To stop alerts for this device while you work on it:',
        `  npx heartbeat pause sensor-42 --url ${API}`,
        '',
        '-- Heartbeat monitor. Alert type device.down; the same incident id is on every message about this outage.',
        '',
      ].join('\n'),
    );
  });

  it('dates a fail at its beat and says the device reported it', () => {
    // Act
    const body = emailBody({ ...down, reason: 'fail', detectedAt: '2026-11-25T09:59:00.000Z', message: 'disk full' }, { serviceUrl: null });

    // Assess
    expect(body).toContain('What:         the device reported itself failing');
    expect(body).toContain('Down since:   2026-11-25 09:59:00 UTC');
    expect(body).toContain('Last message: disk full');
    expect(body).toContain('  npx heartbeat pause sensor-42\n');
  });

  it('pairs a recovery with its incident and asks nothing of the reader', () => {
    expect(emailBody(up, render)).toContain('Incident:   sensor-42:2026-11-25T10:00:00.000Z\n\nNothing to do: this closes the incident above.');
  });

  it('lists at most 20 devices of a fleet and counts the rest', () => {
    // Prepare
    const ids = Array.from({ length: 25 }, (_, i) => `d-${i}`);
    const big: FleetDownAlert = { ...fleet, count: 25, deviceIds: ids, incidentIds: ids.map((id) => `${id}:x`) };

    // Act
    const body = emailBody(big, render);

    // Assess
    expect(body).toContain(`Devices:   ${ids.slice(0, 20).join(', ')} and 5 more`);
    expect(body).not.toContain('d-20');
  });
});

describe('smsText', () => {
  it('reads as a sentence a person understands', () => {
    expect(smsText(down)).toBe('DOWN sensor-42: silent for 2m 41s. Since 10:00 UTC. Last seen 09:58 UTC. Group plant-a. "battery 12%"');
    expect(smsText(up)).toBe('UP sensor-42: back after 12m 30s. Down since 10:00 UTC. Group plant-a');
    expect(smsText(stillDown)).toBe('STILL DOWN sensor-42: down for 30m 00s. Since 10:00 UTC. Reminder 2. Last seen 09:58 UTC. Group plant-a');
  });

  it('never exceeds 140 characters, whatever the ids, group and message', () => {
    const id = fc.stringMatching(/^[A-Za-z0-9._:-]{1,128}$/);
    fc.assert(
      fc.property(id, fc.option(fc.stringMatching(/^[A-Za-z0-9._:-]{1,64}$/)), fc.option(fc.string({ maxLength: 256 })), (deviceId, group, message) => {
        const alerts: Alert[] = [
          { ...down, deviceId, group, message },
          { ...up, deviceId, group },
          { ...stillDown, deviceId, group, message },
          { ...fleet, group, deviceIds: [deviceId, deviceId] },
        ];
        for (const alert of alerts) expect(smsText(alert).length).toBeLessThanOrEqual(MAX_SMS_CHARS);
      }),
    );
  });
});

describe('slackMessage', () => {
  it('puts the subject first, then the facts as fields, then the pause command', () => {
    // Act
    const message = slackMessage(down, render);

    // Assess
    expect(message.text).toBe('DOWN sensor-42: silent for 2m 41s');
    expect(message.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'DOWN sensor-42: silent for 2m 41s', emoji: false } });
    expect(message.blocks[2]).toEqual({
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: '*Device*\nsensor-42' },
        { type: 'mrkdwn', text: '*Group*\nplant-a' },
        { type: 'mrkdwn', text: '*Down since*\n2026-11-25 10:00:00 UTC' },
        { type: 'mrkdwn', text: '*Last seen*\n2026-11-25 09:58:00 UTC' },
        { type: 'mrkdwn', text: '*Last message*\nbattery 12%' },
        { type: 'mrkdwn', text: '*Incident*\nsensor-42:2026-11-25T10:00:00.000Z' },
      ],
    });
    expect(JSON.stringify(message.blocks[3])).toContain(`npx heartbeat pause sensor-42 --url ${API}`);
  });

  it("escapes Slack's control characters in what the device said", () => {
    const message = slackMessage({ ...down, message: '<!channel> a & b > c' }, render);
    expect(JSON.stringify(message.blocks)).toContain('&lt;!channel&gt; a &amp; b &gt; c');
    expect(JSON.stringify(message.blocks)).not.toContain('<!channel>');
  });
});

describe('PagerDuty events', () => {
  it('triggers a device.down with the incident id as dedup_key and the alert as custom_details', () => {
    expect(pagerDutyTrigger(down, 'R0UTINGKEY')).toEqual({
      routing_key: 'R0UTINGKEY',
      event_action: 'trigger',
      dedup_key: 'sensor-42:2026-11-25T10:00:00.000Z',
      payload: {
        summary: 'DOWN sensor-42: silent for 2m 41s',
        source: 'sensor-42',
        severity: 'critical',
        timestamp: '2026-11-25T10:00:41.000Z',
        group: 'plant-a',
        class: 'device.down',
        custom_details: down,
      },
    });
  });

  it('keys a fleet.down by its group and first incident, with the group as source', () => {
    const event = pagerDutyTrigger(fleet, 'K');
    expect(fleetDedupKey(fleet)).toBe('fleet:plant-a:a:2026-11-25T10:00:00.000Z');
    expect(event).toMatchObject({ dedup_key: 'fleet:plant-a:a:2026-11-25T10:00:00.000Z', payload: { source: 'plant-a', summary: 'FLEET DOWN plant-a: 3 devices down' } });
  });

  it('keeps every dedup_key within PagerDuty’s 255 characters', () => {
    const longest = `${'x'.repeat(128)}:2026-11-25T10:00:00.000Z`;
    expect(fleetDedupKey({ ...fleet, group: 'g'.repeat(64), incidentIds: [longest] }).length).toBeLessThanOrEqual(255);
  });

  it('resolves by dedup_key alone', () => {
    expect(pagerDutyResolve('k', 'R')).toEqual({ routing_key: 'R', event_action: 'resolve', dedup_key: 'k' });
  });
});

describe('snsMessage', () => {
  it('carries the alert JSON as default, and the email and SMS texts', () => {
    const envelope = JSON.parse(snsMessage(fleet, render)) as Record<string, string>;
    expect(JSON.parse(envelope.default ?? '')).toEqual(fleet);
    expect(envelope.email).toBe(emailBody(fleet, render));
    expect(envelope.sms).toBe(smsText(fleet));
  });
});
