import { redactPhoneNumbers, type Sql } from '@sms/db';
import { isProviderId, type ProviderError, type ProviderId } from '@sms/providers';
import type { MessageStatus } from '../types.ts';

/** The dispatch and recovery calls: start a send durably, track attempts per provider, undo an unsent one. */

export interface DispatchStart {
	outcome: 'dispatching' | 'limit_reached' | 'not_sendable' | 'missing';
	/** The status before: 'dispatching' with not_sendable means an earlier attempt must be looked up. */
	previous: MessageStatus | null;
}

/**
 * For a batch of texts about to be sent: reserve each user's daily slot and, where that
 * succeeded, mark the message `dispatching` and record the slot's day, in ONE transaction
 * (sms_begin_dispatch), durable before any Twilio call. A text that is no longer sendable
 * reserves nothing.
 */
export async function beginDispatch(
	sql: Sql,
	rows: { messageId: string; localDate: string; limit: number; provider: ProviderId }[]
): Promise<Map<string, DispatchStart>> {
	// sms_begin_dispatch, plus an open attempt at the chosen provider for each text it started.
	const result = await sql<{ message_id: string; outcome: DispatchStart['outcome']; previous: MessageStatus | null }[]>`
		select message_id, outcome, previous from public.sms_begin_provider_dispatch(
			${rows.map((r) => r.messageId)}::uuid[], ${rows.map((r) => r.localDate)}::date[], ${rows.map((r) => r.limit)}::int[],
			${rows.map((r) => r.provider)}::text[])`;
	return new Map(result.map((r) => [r.message_id, { outcome: r.outcome, previous: r.previous }]));
}

/** Before failing over: an open attempt at the next provider; false when the text is not ours to send now. */
export async function startAttempt(sql: Sql, messageId: string, provider: ProviderId): Promise<boolean> {
	const [row] = await sql<{ id: string | null }[]>`select public.sms_start_attempt(${messageId}, ${provider}) as id`;
	return row.id !== null;
}

/** The answer to an open attempt: refused (certainly not accepted) or unknown (it stays open). */
export async function finishAttempt(
	sql: Sql,
	messageId: string,
	provider: ProviderId,
	outcome: 'refused' | 'unknown',
	error: ProviderError | null,
	message?: string
): Promise<void> {
	await sql`
		select public.sms_finish_attempt(${messageId}, ${provider}, ${outcome}, null, ${error?.kind ?? null},
		       ${error?.code === null || error?.code === undefined ? null : String(error.code)}, ${redactOrNull(error?.message ?? message)})`;
}

/**
 * Where an interrupted send may be: the providers with an open attempt. `recorded` false
 * means the text has no attempt at all (dispatched before attempts existed): Twilio, then.
 */
export async function openAttempts(sql: Sql, messageId: string): Promise<{ recorded: boolean; providers: ProviderId[] }> {
	const rows = await sql<{ provider: string; open: boolean }[]>`
		select provider, bool_or(outcome in ('sending', 'unknown')) as open
		from public.sms_send_attempts where message_id = ${messageId} group by provider`;
	return {
		recorded: rows.length > 0,
		providers: rows.filter((r) => r.open && isProviderId(r.provider)).map((r) => r.provider as ProviderId)
	};
}

/** No provider has it: open attempts closed, slot back and sendable again, one transaction, idempotent. */
export async function recoverUnsent(sql: Sql, messageId: string): Promise<boolean> {
	const [row] = await sql<{ changed: boolean }[]>`select public.sms_recover_unsent_attempts(${messageId}) as changed`;
	return row.changed;
}

/** Which of these references of one provider are already stored on one of our texts. */
export async function storedReferences(sql: Sql, provider: ProviderId, references: string[]): Promise<Set<string>> {
	if (references.length === 0) return new Set();
	const rows = await sql<{ provider_reference: string }[]>`
		select provider_reference from public.sms_messages
		where provider = ${provider} and provider_reference = any(${references}::text[])`;
	return new Set(rows.map((r) => r.provider_reference));
}

/** A provider's error message as stored: any number it quotes cut to its last four. */
function redactOrNull(message: string | undefined): string | null {
	return message === undefined ? null : redactPhoneNumbers(message);
}
