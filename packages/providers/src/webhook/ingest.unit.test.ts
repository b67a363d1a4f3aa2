import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ingestWebhook, type IngestInput } from './ingest.ts';

const sign = (secret: string, data: string) => createHmac('sha256', secret).update(data).digest('hex');
const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);

function input(overrides: Partial<IngestInput> & { rawBody: string }): IngestInput {
	return { headers: new Headers(), query: new URLSearchParams(), secretsFor: () => [], now: NOW, ...overrides };
}

describe('ingestWebhook', () => {
	it('normalises an sms-retail report and keeps the raw body and status', () => {
		const result = ingestWebhook(input({ rawBody: '{"id":12345,"status":"undelivered","error_code":"E42"}' }));
		expect(result).toEqual({
			kind: 'report',
			verified: false,
			report: {
				provider: 'sms-retail',
				reference: '12345',
				rawStatus: 'undelivered',
				status: 'undelivered',
				price: null,
				priceUnit: null,
				segments: null,
				errorCode: 'E42',
				raw: { id: 12345, status: 'undelivered', error_code: 'E42' }
			}
		});
	});

	it("takes 23telecom's cost and num_parts as the actual price and segments", () => {
		const result = ingestWebhook(
			input({ rawBody: '{"message_id":"t-9","status":"DELIVRD","cost":"-0.0125","currency":"EUR","num_parts":"3"}' })
		);
		expect(result).toMatchObject({
			kind: 'report',
			report: { provider: '23telecom', reference: 't-9', status: 'delivered', price: 0.0125, priceUnit: 'EUR', segments: 3 }
		});
	});

	it('keeps an unknown status as unknown with its raw value', () => {
		const result = ingestWebhook(input({ rawBody: '{"messageId":"t-1","status":"ACCEPTD"}' }));
		expect(result).toMatchObject({ kind: 'report', report: { rawStatus: 'ACCEPTD', status: 'unknown' } });
		const none = ingestWebhook(input({ rawBody: '{"id":7}' }));
		expect(none).toMatchObject({ kind: 'report', report: { rawStatus: '', status: 'unknown' } });
	});

	it('answers unknown_shape for JSON it cannot attribute, and invalid for non-objects', () => {
		expect(ingestWebhook(input({ rawBody: '{"foo":1}' }))).toEqual({ kind: 'unknown_shape', payload: { foo: 1 } });
		expect(ingestWebhook(input({ rawBody: 'MessageSid=SM1' }))).toMatchObject({ kind: 'invalid' });
		expect(ingestWebhook(input({ rawBody: '[1,2]' }))).toMatchObject({ kind: 'invalid' });
		expect(ingestWebhook(input({ rawBody: '' }))).toMatchObject({ kind: 'invalid' });
	});

	it('verifies against any configured secret and rejects when none matches', () => {
		const body = '{"id":5,"status":"delivered"}';
		const secretsFor = () => ['old-secret', 'new-secret'];
		const good = ingestWebhook(input({ rawBody: body, secretsFor, headers: new Headers({ 'X-Signature': sign('new-secret', body) }) }));
		expect(good).toMatchObject({ kind: 'report', verified: true });
		const bad = ingestWebhook(input({ rawBody: body, secretsFor, headers: new Headers({ 'X-Signature': sign('guess', body) }) }));
		expect(bad).toEqual({ kind: 'rejected', provider: 'sms-retail', reason: 'bad_signature', reference: '5' });
		const unsigned = ingestWebhook(input({ rawBody: body, secretsFor }));
		expect(unsigned).toMatchObject({ kind: 'rejected', reason: 'missing_signature' });
	});

	it('asks for the secrets of the detected provider and reference', () => {
		const asked: string[] = [];
		const body = '{"messageId":"t-2","status":"SENT"}';
		const ts = String(NOW / 1000);
		const result = ingestWebhook(
			input({
				rawBody: body,
				query: new URLSearchParams({ token: 's3' }),
				headers: new Headers({ 'X-Webhook-Timestamp': ts, 'X-Webhook-Signature': `sha256=${sign('s3', `${ts}.${body}`)}` }),
				secretsFor: (provider, reference) => {
					asked.push(`${provider}:${reference}`);
					return provider === '23telecom' ? ['s3'] : [];
				}
			})
		);
		expect(asked).toEqual(['23telecom:t-2']);
		expect(result).toMatchObject({ kind: 'report', verified: true, report: { status: 'sent' } });
	});
});
