/**
 * What happens to a message, decided by its `To` number.
 * Synchronous rejections mirror Twilio's test-credential magic numbers; the asynchronous
 * outcomes are this sandbox's own convention (documented in README.md).
 */
export interface SyncRejection {
	code: number;
	status: number;
	message: (to: string) => string;
}

export const MAGIC_REJECTIONS: Readonly<Record<string, SyncRejection>> = {
	'+15005550001': {
		code: 21211,
		status: 400,
		message: (to) => `The 'To' number ${to} is not a valid phone number.`
	},
	'+15005550002': {
		code: 21612,
		status: 400,
		message: (to) =>
			`The 'To' phone number: ${to}, is not currently reachable using the 'From' phone number via SMS.`
	},
	'+15005550003': {
		code: 21408,
		status: 400,
		message: (to) =>
			`Permission to send an SMS has not been enabled for the region indicated by the 'To' number: ${to}.`
	},
	'+15005550004': {
		code: 21610,
		status: 400,
		message: () => 'Attempt to send to unsubscribed recipient'
	},
	'+15005550009': {
		code: 21614,
		status: 400,
		message: (to) => `'To' number ${to} is not a valid mobile number`
	}
};

export type AsyncOutcome =
	| { kind: 'delivered' }
	| { kind: 'undelivered'; errorCode: number; errorMessage: string }
	| { kind: 'failed'; errorCode: number; errorMessage: string }
	| { kind: 'no-receipt' };

export interface OutcomeNumber {
	number: string;
	outcome: AsyncOutcome;
	/** One line for the README and the dev phone. */
	description: string;
}

/** Numbers whose messages are accepted (201) and then end badly, via status callbacks. */
export const OUTCOME_NUMBERS: readonly OutcomeNumber[] = [
	{
		number: '+15005550010',
		outcome: { kind: 'undelivered', errorCode: 30003, errorMessage: 'Unreachable destination handset' },
		description: 'queued → sent → undelivered, 30003 (handset off or out of coverage)'
	},
	{
		number: '+15005550011',
		outcome: { kind: 'undelivered', errorCode: 30005, errorMessage: 'Unknown destination handset' },
		description: 'queued → sent → undelivered, 30005 (number does not exist)'
	},
	{
		number: '+15005550012',
		outcome: { kind: 'undelivered', errorCode: 30006, errorMessage: 'Landline or unreachable carrier' },
		description: 'queued → sent → undelivered, 30006 (landline)'
	},
	{
		number: '+15005550013',
		outcome: { kind: 'undelivered', errorCode: 30007, errorMessage: 'Carrier violation' },
		description: 'queued → sent → undelivered, 30007 (filtered by the carrier)'
	},
	{
		number: '+15005550014',
		outcome: { kind: 'failed', errorCode: 30008, errorMessage: 'Unknown error' },
		description: 'queued → failed, 30008 (unknown error)'
	},
	{
		number: '+15005550015',
		outcome: { kind: 'no-receipt' },
		description: 'queued → sent, then no delivery receipt ever (stays `sent`)'
	}
];

const outcomeByNumber = new Map(OUTCOME_NUMBERS.map((n) => [n.number, n.outcome]));
const DELIVERED: AsyncOutcome = { kind: 'delivered' };

export function outcomeFor(to: string): AsyncOutcome {
	return outcomeByNumber.get(to) ?? DELIVERED;
}

// Twilio's own E.164 check, as ours (one pattern for the whole tree).
export { E164_PATTERN as E164 } from '@sms/twilio-service/validate';
