import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { ConfigError } from './errors.ts';

const valid = {
	DATABASE_URL: 'postgres://postgres:postgres@127.0.0.1:5432/postgres',
	TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
	TWILIO_AUTH_TOKEN: 'token',
	TWILIO_FROM_NUMBER: '+15005550006',
	PUBLIC_BASE_URL: 'https://sms.example.com/'
};

function problems(env: Record<string, string | undefined>): string[] {
	try {
		loadConfig(env);
	} catch (error) {
		expect(error).toBeInstanceOf(ConfigError);
		return (error as ConfigError).problems;
	}
	throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
	it('applies the documented defaults and derives the status callback URL', () => {
		const c = loadConfig(valid);
		expect(c).toMatchObject({
			concurrency: 64,
			port: 4020,
			host: '127.0.0.1',
			maxAttempts: 5,
			statusCallbackUrl: 'https://sms.example.com/api/webhooks/twilio/status',
			providerCallbackUrl: 'https://sms.example.com/api/webhooks/sms',
			providers: { timeoutMs: 10_000, outageThreshold: 3, cooldownMs: 30_000, settingsTtlMs: 5000 },
			twilio: { from: '+15005550006', messagingServiceSid: undefined, apiBaseUrl: undefined }
		});
	});

	it('keeps a path prefix of PUBLIC_BASE_URL', () => {
		const c = loadConfig({ ...valid, PUBLIC_BASE_URL: 'https://x.example.com/app' });
		expect(c.statusCallbackUrl).toBe('https://x.example.com/app/api/webhooks/twilio/status');
		expect(c.providerCallbackUrl).toBe('https://x.example.com/app/api/webhooks/sms');
	});

	it('names every missing variable at once', () => {
		const found = problems({});
		for (const name of ['DATABASE_URL', 'TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'PUBLIC_BASE_URL']) {
			expect(found.some((p) => p.includes(name))).toBe(true);
		}
	});

	it('requires a sender: Messaging Service or From number', () => {
		const { TWILIO_FROM_NUMBER: _, ...noSender } = valid;
		expect(problems(noSender).join('\n')).toMatch(/TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER/);
		expect(loadConfig({ ...noSender, TWILIO_MESSAGING_SERVICE_SID: `MG${'1'.repeat(32)}` }).twilio.messagingServiceSid).toMatch(/^MG/);
	});

	it('names malformed values', () => {
		expect(problems({ ...valid, WORKER_CONCURRENCY: 'lots' }).join()).toMatch(/WORKER_CONCURRENCY must be a whole number/);
		expect(problems({ ...valid, WORKER_PORT: '70000' }).join()).toMatch(/WORKER_PORT/);
		expect(problems({ ...valid, DATABASE_URL: 'mysql://x' }).join()).toMatch(/DATABASE_URL must be a postgres/);
		expect(problems({ ...valid, TWILIO_API_BASE_URL: 'not a url' }).join()).toMatch(/TWILIO_API_BASE_URL/);
		expect(problems({ ...valid, LOG_LEVEL: 'loud' }).join()).toMatch(/LOG_LEVEL/);
		expect(problems({ ...valid, TWILIO_ACCOUNT_SID: 'nope' }).join()).toMatch(/TWILIO_ACCOUNT_SID/);
	});

	it('refuses a job lease shorter than MIN_LEASE_SECONDS, saying why', () => {
		expect(problems({ ...valid, WORKER_LEASE_SECONDS: '1' }).join()).toMatch(/WORKER_LEASE_SECONDS must be at least 2: .*sent again/);
		expect(loadConfig({ ...valid, WORKER_LEASE_SECONDS: '2' }).leaseSeconds).toBe(2);
	});

	it('accepts WORKER_PORT=0 (a free port)', () => {
		expect(loadConfig({ ...valid, WORKER_PORT: '0' }).port).toBe(0);
	});
});
