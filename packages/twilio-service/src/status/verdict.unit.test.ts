import { describe, expect, it } from 'vitest';
import { verdictFor, type VerdictMessage, type VerdictOptions } from './index.ts';

const NOW = new Date('2026-06-15T03:00:00Z'); // 23:00 on June 14 in New York

describe('verdictFor', () => {
	it.each<[string, VerdictMessage, VerdictOptions, { kind: string; label: string | RegExp; detail: RegExp }]>([
		['delivered', { status: 'delivered' }, {}, { kind: 'delivered', label: 'Delivered', detail: /reached your phone/ }],
		['inbound received', { status: 'received' }, {}, { kind: 'delivered', label: 'Received', detail: /received this text/ }],
		[
			'scheduled by the caller',
			{ status: 'scheduled', scheduledFor: new Date('2026-06-15T03:45:00Z'), statusReason: 'requested' },
			{ now: NOW, timeZone: 'UTC' },
			{ kind: 'scheduled', label: 'Scheduled until 03:45', detail: /when it was queued/ }
		],
		[
			'undelivered with a known code explains it and what to do',
			{ status: 'undelivered', errorCode: 30003 },
			{},
			{ kind: 'failed', label: 'Failed', detail: /couldn't reach your phone.*has signal/ }
		],
		[
			'failed with STOP code tells how to opt back in',
			{ status: 'failed', errorCode: 21610 },
			{},
			{ kind: 'failed', label: 'Failed', detail: /STOP.*START/ }
		],
		[
			'failed with unknown code is generic but names it',
			{ status: 'failed', errorCode: 12345 },
			{},
			{ kind: 'failed', label: 'Failed', detail: /12345/ }
		],
		[
			'failed without a code uses the reason',
			{ status: 'failed', statusReason: 'retries_exhausted' },
			{},
			{ kind: 'failed', label: 'Failed', detail: /tried several times/ }
		],
		['undelivered with nothing', { status: 'undelivered' }, {}, { kind: 'failed', label: 'Failed', detail: /didn't say why/ }],
		[
			'suppressed: opted out',
			{ status: 'suppressed', statusReason: 'opted_out' },
			{},
			{ kind: 'not_sent', label: 'Not sent', detail: /turned texts off/ }
		],
		[
			'suppressed: type disabled',
			{ status: 'suppressed', statusReason: 'type_disabled' },
			{},
			{ kind: 'not_sent', label: 'Not sent', detail: /switched off this kind/ }
		],
		[
			'suppressed: unknown reason is humanised',
			{ status: 'suppressed', statusReason: 'carrier_blocklist' },
			{},
			{ kind: 'not_sent', label: 'Not sent', detail: /^Carrier blocklist\.$/ }
		],
		['canceled', { status: 'canceled' }, {}, { kind: 'not_sent', label: 'Not sent', detail: /canceled before/ }],
		[
			'scheduled later the same local day',
			{ status: 'scheduled', scheduledFor: new Date('2026-06-15T03:45:00Z'), statusReason: 'quiet_hours' },
			{ now: NOW, timeZone: 'America/New_York' },
			{ kind: 'scheduled', label: 'Scheduled until 23:45', detail: /quiet hours end/ }
		],
		[
			'scheduled on another local day includes the date',
			{ status: 'scheduled', scheduledFor: new Date('2026-06-15T12:00:00Z'), statusReason: 'quiet_hours' },
			{ now: NOW, timeZone: 'America/New_York' },
			{ kind: 'scheduled', label: 'Scheduled until Mon 15 Jun, 08:00', detail: /quiet hours end/ }
		],
		[
			'the label follows the given zone, not the machine',
			{ status: 'scheduled', scheduledFor: new Date('2026-06-15T12:00:00Z') },
			{ now: NOW, timeZone: 'Europe/London' },
			{ kind: 'scheduled', label: 'Scheduled until 13:00', detail: /scheduled time/ }
		],
		[
			'the label follows the given locale',
			{ status: 'pending', scheduledFor: new Date('2026-06-15T04:00:00Z'), statusReason: 'daily_limit' },
			{ now: NOW, timeZone: 'America/New_York', locale: 'en-US' },
			{ kind: 'scheduled', label: /^Scheduled until Mon, Jun 15, 12:00\sAM$/, detail: /daily text limit/ }
		],
		[
			'scheduled time already passed is in progress',
			{ status: 'scheduled', scheduledFor: new Date('2026-06-15T02:00:00Z') },
			{ now: NOW },
			{ kind: 'in_progress', label: 'In progress', detail: /Waiting to be sent/ }
		],
		['pending', { status: 'pending' }, { now: NOW }, { kind: 'in_progress', label: 'In progress', detail: /Waiting/ }],
		['dispatching', { status: 'dispatching' }, {}, { kind: 'in_progress', label: 'In progress', detail: /SMS provider/ }],
		['queued', { status: 'queued' }, {}, { kind: 'in_progress', label: 'In progress', detail: /queued/ }],
		['sending', { status: 'sending' }, {}, { kind: 'in_progress', label: 'In progress', detail: /carrier/ }],
		[
			'sent awaits the receipt',
			{ status: 'sent', sentAt: NOW },
			{},
			{ kind: 'in_progress', label: 'In progress', detail: /^Sent to the carrier, waiting for the delivery receipt\.$/ }
		],
		[
			'sent after reconciliation gave up says so',
			{ status: 'sent', statusReason: 'no_receipt' },
			{},
			{ kind: 'in_progress', label: 'Sent, no receipt', detail: /never confirmed delivery/ }
		]
	])('%s', (_name, message, options, expected) => {
		const verdict = verdictFor(message, options);
		expect(verdict.kind).toBe(expected.kind);
		if (typeof expected.label === 'string') expect(verdict.label).toBe(expected.label);
		else expect(verdict.label).toMatch(expected.label);
		expect(verdict.detail).toMatch(expected.detail);
	});

	it('accepts `now` as a Date', () => {
		const message: VerdictMessage = { status: 'scheduled', scheduledFor: new Date('2026-06-15T03:45:00Z') };
		expect(verdictFor(message, NOW).label).toBe('Scheduled until 03:45');
	});
});
