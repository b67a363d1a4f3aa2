// The twilio-service client's tests: the sandbox in-process on a free port, and clients pointed at it.
// (Here, not in packages/twilio-service, so that package does not depend on the sandbox.)
import { startSandbox, type Sandbox } from '@sms/twilio-sandbox';
import { TwilioClient, type TwilioClientOptions } from '@sms/twilio-service';

export const ACCOUNT_SID = `AC${'d4'.repeat(16)}`;
export const AUTH_TOKEN = 'client-test-token';
export const VERIFY_SID = `VA${'e5'.repeat(16)}`;
export const MESSAGING_SID = `MG${'f6'.repeat(16)}`;

export function startClientSandbox(): Promise<Sandbox> {
	return startSandbox({
		accountSid: ACCOUNT_SID,
		authToken: AUTH_TOKEN,
		verifyServiceSid: VERIFY_SID,
		callbackDelaysMs: { sent: 10, delivered: 20 }
	});
}

export function clientFor(sandbox: Sandbox, overrides: Partial<TwilioClientOptions> = {}): TwilioClient {
	return new TwilioClient({
		accountSid: ACCOUNT_SID,
		authToken: AUTH_TOKEN,
		from: '+15005550006',
		verifyServiceSid: VERIFY_SID,
		baseUrl: sandbox.url,
		timeoutMs: 5_000,
		...overrides
	});
}
