import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '@sms/twilio-sandbox';
import { RedirectRequestClient } from '@sms/twilio-service';
import { ACCOUNT_SID, AUTH_TOKEN, startClientSandbox } from './sandbox.ts';

let sandbox: Sandbox;
beforeAll(async () => {
	sandbox = await startClientSandbox();
});
afterAll(() => sandbox.close());

describe('RedirectRequestClient', () => {
	it('rewrites any *.twilio.com host to the base URL, keeping path and query', () => {
		const client = new RedirectRequestClient({ baseUrl: 'http://127.0.0.1:4010/' });
		expect(client.rewrite('https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?To=%2B1')).toBe(
			'http://127.0.0.1:4010/2010-04-01/Accounts/AC1/Messages.json?To=%2B1'
		);
		expect(client.rewrite('https://verify.twilio.com/v2/Services/VA1/Verifications')).toBe(
			'http://127.0.0.1:4010/v2/Services/VA1/Verifications'
		);
		expect(client.rewrite('https://api.sydney.au1.twilio.com/2010-04-01/x')).toBe('http://127.0.0.1:4010/2010-04-01/x');
		expect(client.rewrite('https://example.com/twilio.com/x')).toBe('https://example.com/twilio.com/x');
		expect(client.rewrite('https://eviltwilio.com.example.org/x')).toBe('https://eviltwilio.com.example.org/x');
	});

	it('lets the real SDK reach the sandbox with its credentials and form body', async () => {
		const sdk = twilio(ACCOUNT_SID, AUTH_TOKEN, { httpClient: new RedirectRequestClient({ baseUrl: sandbox.url }) });
		const m = await sdk.messages.create({ to: '+15551270001', from: '+15005550006', body: 'via redirect' });
		expect(sandbox.state.store.get(m.sid)?.body).toBe('via redirect');
		const price = await sdk.pricing.v1.messaging.countries('GB').fetch();
		expect(price.isoCountry).toBe('GB');
	});
});
