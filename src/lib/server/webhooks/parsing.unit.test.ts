import { describe, expect, it } from 'vitest';
import { toWebhookError } from './database-errors.ts';
import { WebhookError } from './errors.ts';
import { parseTwilioForm, readRawBody } from './form.ts';
import { parseInboundText } from './inbound-report.ts';
import { parseStatusReport } from './status-report.ts';

const SID = 'SM0123456789abcdef0123456789abcdef';
const FORM = 'application/x-www-form-urlencoded; charset=utf-8';

function code(fn: () => unknown): string | undefined {
	try {
		fn();
	} catch (e) {
		return e instanceof WebhookError ? `${e.status} ${e.code}` : 'not a WebhookError';
	}
	return undefined;
}

describe('parseTwilioForm', () => {
	it('parses form bodies, keeping the first of repeated keys', () => {
		expect(parseTwilioForm({ contentType: FORM, rawBody: 'MessageSid=SMx&Body=hi+there&Body=again' })).toEqual({
			MessageSid: 'SMx',
			Body: 'hi there'
		});
	});
	it('refuses anything that is not form-encoded', () => {
		expect(code(() => parseTwilioForm({ contentType: 'application/json', rawBody: '{}' }))).toBe(
			'415 unsupported_media_type'
		);
		expect(code(() => parseTwilioForm({ contentType: null, rawBody: 'a=b' }))).toBe('415 unsupported_media_type');
	});
});

describe('readRawBody', () => {
	it('refuses bodies larger than any Twilio payload', async () => {
		const request = new Request('http://x/', { method: 'POST', body: 'a='.padEnd(70_000, 'x') });
		await expect(readRawBody(request)).rejects.toMatchObject({ code: 'body_too_large', status: 413 });
	});
});

describe('parseStatusReport', () => {
	it('reads the fields we act on and keeps the whole payload', () => {
		const payload = {
			MessageSid: SID,
			MessageStatus: 'Undelivered',
			ErrorCode: '30003',
			ErrorMessage: 'Unreachable',
			Price: '-0.00750',
			PriceUnit: 'USD',
			SomethingNew: 'ignored'
		};
		expect(parseStatusReport(payload)).toEqual({
			sid: SID,
			status: 'undelivered',
			errorCode: 30003,
			errorMessage: 'Unreachable',
			price: '-0.00750',
			priceUnit: 'USD',
			payload
		});
	});
	it('accepts the legacy SmsSid/SmsStatus names and treats empty ErrorCode as none', () => {
		const report = parseStatusReport({ SmsSid: SID, SmsStatus: 'sent', ErrorCode: '' });
		expect(report).toMatchObject({ sid: SID, status: 'sent', errorCode: null, price: null });
	});
	it.each([
		[{}, 'MessageSid is missing.'],
		[{ MessageSid: SID }, 'MessageStatus is missing.'],
		[{ MessageSid: 'nope', MessageStatus: 'sent' }, 'MessageSid is not a Twilio SID.'],
		[{ MessageSid: SID, MessageStatus: "sent'; drop table" }, 'MessageStatus is not a status word.'],
		[{ MessageSid: SID, MessageStatus: 'sent', ErrorCode: 'abc' }, 'ErrorCode is not a number.']
	])('rejects %j with a 400', (params, message) => {
		expect(() => parseStatusReport(params as Record<string, string>)).toThrow(message);
		expect(code(() => parseStatusReport(params as Record<string, string>))).toBe('400 malformed_body');
	});
	it('drops an unreadable price rather than refusing the report', () => {
		expect(parseStatusReport({ MessageSid: SID, MessageStatus: 'sent', Price: 'lots' }).price).toBeNull();
	});
});

describe('parseInboundText', () => {
	it('needs a SID and an E.164 sender', () => {
		expect(parseInboundText({ MessageSid: SID, From: '+15551234567', To: '+15005550006', Body: 'STOP' })).toMatchObject(
			{ sid: SID, from: '+15551234567', to: '+15005550006', body: 'STOP' }
		);
		expect(code(() => parseInboundText({ MessageSid: SID, Body: 'hi' }))).toBe('400 malformed_body');
		expect(code(() => parseInboundText({ MessageSid: SID, From: 'whatsapp:me' }))).toBe('400 malformed_body');
	});
});

describe('toWebhookError', () => {
	it('maps data errors to 400 and everything else to 503 so Twilio retries', () => {
		expect(toWebhookError(Object.assign(new Error('bad'), { code: '22P02' })).status).toBe(400);
		expect(toWebhookError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })).status).toBe(503);
		expect(toWebhookError(Object.assign(new Error('gone'), { code: '57P01' })).status).toBe(503);
		expect(toWebhookError(new Error('?')).code).toBe('database_unavailable');
	});
});
