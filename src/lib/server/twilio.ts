import { TwilioClient } from '@sms/twilio-service';
import { config } from './config.ts';

let instance: TwilioClient | undefined;

/** One TwilioClient per process; in local mode TWILIO_API_BASE_URL points it at the sandbox. */
export function twilioClient(): TwilioClient {
	if (!instance) {
		const c = config();
		instance = new TwilioClient({
			accountSid: c.TWILIO_ACCOUNT_SID,
			authToken: c.TWILIO_AUTH_TOKEN,
			verifyServiceSid: c.TWILIO_VERIFY_SERVICE_SID,
			baseUrl: c.TWILIO_API_BASE_URL
		});
	}
	return instance;
}
