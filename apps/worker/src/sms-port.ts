import type { LookupDispatchedInput, SendSmsInput, SendSmsResult, TwilioMessage } from '@sms/twilio-service';

/**
 * What the worker needs from twilio-service's SMSService. A structural type so tests and
 * benches pass the real SMSService (pointed at the sandbox) and nothing else is required.
 */
export interface SmsSender {
	send(input: SendSmsInput): Promise<SendSmsResult>;
	/** Fetch by SID when known, else the recent messages to the number: null = never reached Twilio. */
	lookupDispatched(input: LookupDispatchedInput): Promise<TwilioMessage | null>;
}
