import type { FindDispatchedInput, SendSmsInput, SendSmsResult, TwilioMessage } from '@sms/twilio-service';

/**
 * What the worker needs from twilio-service's SMSService. A structural type so tests and
 * benches pass the real SMSService (pointed at the sandbox) and nothing else is required.
 */
export interface SmsSender {
	send(input: SendSmsInput): Promise<SendSmsResult>;
	/** The message with this SID; null when Twilio does not know it. */
	fetchMessage(sid: string): Promise<TwilioMessage | null>;
	/** Every message an interrupted attempt may have created (same body, number, sender, since). */
	findDispatched(input: FindDispatchedInput): Promise<TwilioMessage[]>;
}
