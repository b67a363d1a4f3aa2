import { z } from 'zod';

/** Injected misbehaviour. Rates are probabilities 0..1 per request / per callback. */
export interface Faults {
	/** Added before every REST API answer, in milliseconds. */
	latencyMs: number;
	/**
	 * Creating a message: held this long AFTER the message exists, before Twilio answers — the
	 * request was processed but its answer is slow or never arrives (a client that gives up or
	 * dies meanwhile never learns the SID).
	 */
	answerDelayMs: number;
	/** Share of REST API requests answered 429 (code 20429) before doing anything. */
	rate429: number;
	/** Share of REST API requests answered 503 (code 20503) before doing anything. */
	rate503: number;
	/** Share of status callbacks sent twice. */
	duplicateCallbacks: number;
	/** Share of messages whose callbacks are all sent at the end, newest status first. */
	reorderCallbacks: number;
	/** Share of status callbacks never sent. */
	dropCallbacks: number;
}

export const NO_FAULTS: Faults = Object.freeze({
	latencyMs: 0,
	answerDelayMs: 0,
	rate429: 0,
	rate503: 0,
	duplicateCallbacks: 0,
	reorderCallbacks: 0,
	dropCallbacks: 0
});

// `true` is accepted for the callback faults and means "every time".
const rate = z.union([z.number().min(0).max(1), z.boolean().transform((b) => (b ? 1 : 0))]);

export const faultsInput = z
	.object({
		latencyMs: z.number().int().min(0).max(60_000).optional(),
		answerDelayMs: z.number().int().min(0).max(600_000).optional(),
		rate429: rate.optional(),
		rate503: rate.optional(),
		duplicateCallbacks: rate.optional(),
		reorderCallbacks: rate.optional(),
		dropCallbacks: rate.optional()
	})
	.strict();

export type FaultsInput = z.input<typeof faultsInput>;

/** Faults not named are switched off: each POST describes the whole fault set. */
export function parseFaults(input: unknown): Faults {
	return { ...NO_FAULTS, ...faultsInput.parse(input) };
}

export function roll(rateValue: number): boolean {
	return rateValue > 0 && (rateValue >= 1 || Math.random() < rateValue);
}
