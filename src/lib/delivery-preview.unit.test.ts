import { describe, expect, it } from 'vitest';
import { decideDelivery, type DeliveryPrefs } from '@sms/twilio-service';
import { describeLocalTime, previewSentence } from './delivery-preview.ts';

const prefs = (p: Partial<DeliveryPrefs> = {}): DeliveryPrefs => ({
	timeZone: 'Europe/London',
	quietHoursStart: '22:00',
	quietHoursEnd: '08:00',
	dailyLimit: 10,
	optedOut: false,
	phoneVerified: true,
	typeEnabled: true,
	...p
});

function preview(now: Date, p: Partial<DeliveryPrefs> = {}, usedToday = 0) {
	const decision = decideDelivery({
		now,
		prefs: prefs(p),
		type: { key: 'custom', bypassesQuietHours: false },
		priority: 'normal',
		usedToday,
		hardCap: 50
	});
	return previewSentence({ decision, now, timeZone: prefs(p).timeZone });
}

describe('previewSentence', () => {
	it('says a text would be delivered right away outside quiet hours', () => {
		expect(preview(new Date('2026-06-10T12:00:00Z'))).toBe('A normal text sent now would be delivered right away.');
	});

	it('holds until the end of quiet hours, after midnight, in the user zone', () => {
		// 01:30 BST on 10 June: quiet until 08:00 the same local day.
		expect(preview(new Date('2026-06-10T00:30:00Z'))).toBe(
			'A normal text sent now would be held until 08:00 (quiet hours).'
		);
	});

	it('says "tomorrow" when quiet hours end on the next local day', () => {
		// 23:00 BST on 10 June → 08:00 on 11 June.
		expect(preview(new Date('2026-06-10T22:00:00Z'))).toBe(
			'A normal text sent now would be held until 08:00 tomorrow (quiet hours).'
		);
	});

	it('uses the user zone, not the server zone', () => {
		// 12:00 UTC is 21:00 in Tokyo: inside 20:00–07:00 quiet hours.
		expect(
			preview(new Date('2026-06-10T12:00:00Z'), { timeZone: 'Asia/Tokyo', quietHoursStart: '20:00', quietHoursEnd: '07:00' })
		).toBe('A normal text sent now would be held until 07:00 tomorrow (quiet hours).');
	});

	it('explains the daily limit', () => {
		expect(preview(new Date('2026-06-10T12:00:00Z'), { quietHoursStart: null, quietHoursEnd: null }, 10)).toBe(
			'A normal text sent now would be held until 00:00 tomorrow (daily limit reached).'
		);
	});

	it('explains opted out and unverified', () => {
		expect(preview(new Date('2026-06-10T12:00:00Z'), { optedOut: true })).toMatch(/opted out/);
		expect(preview(new Date('2026-06-10T12:00:00Z'), { phoneVerified: false })).toMatch(/verify your phone/);
	});
});

describe('describeLocalTime', () => {
	it('names a later day', () => {
		expect(
			describeLocalTime(new Date('2026-03-02T09:00:00Z'), { now: new Date('2026-02-27T12:00:00Z'), timeZone: 'UTC' })
		).toBe('09:00 on Monday 2 March');
	});

	it('knows tomorrow across a 23-hour day (spring forward)', () => {
		// London springs forward on 29 March 2026.
		expect(
			describeLocalTime(new Date('2026-03-30T07:00:00Z'), {
				now: new Date('2026-03-29T22:30:00Z'),
				timeZone: 'Europe/London'
			})
		).toBe('08:00 tomorrow');
	});
});
