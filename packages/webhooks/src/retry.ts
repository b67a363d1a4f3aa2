/**
 * Retry schedule for outbound webhooks: 8 attempts spread over about a day, the delay growing
 * 4× each time (1.5 min … 6.4 h) and capped at 9 h. A receiver down for a night still gets
 * everything; one down for longer than the schedule is disabled (see `isEndpointDead`).
 */
export const WEBHOOK_MAX_ATTEMPTS = 8;
const BASE_MS = 90_000;
const FACTOR = 4;
const CAP_MS = 9 * 3600_000;

/**
 * The delay before attempt `attempt + 1`, after attempt `attempt` (1-based) failed, or null when
 * that was the last attempt. `random` in [0, 1) adds ±10 % jitter so a recovering receiver is
 * not hit by every queued retry in the same second.
 */
export function nextRetryDelayMs(attempt: number, random: number = Math.random()): number | null {
	if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`attempt must be a positive integer, got ${attempt}`);
	if (attempt >= WEBHOOK_MAX_ATTEMPTS) return null;
	const raw = Math.min(BASE_MS * FACTOR ** (attempt - 1), CAP_MS);
	return Math.round(raw * (0.9 + 0.2 * random));
}

/** The nominal (jitter-free) delays, for documentation and the settings page. */
export function retrySchedule(): number[] {
	const out: number[] = [];
	for (let a = 1; a < WEBHOOK_MAX_ATTEMPTS; a++) out.push(nextRetryDelayMs(a, 0.5) ?? 0);
	return out;
}

/** Which responses are worth retrying: anything but a success, except a receiver saying it's gone. */
export function isRetryable(outcome: { status?: number; refused?: boolean }): boolean {
	if (outcome.refused) return false;
	if (outcome.status === undefined) return true;
	if (outcome.status >= 200 && outcome.status < 300) return false;
	return outcome.status !== 410;
}
