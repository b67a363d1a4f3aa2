import { maskPayload, openPayload, phoneCipher, type TransactionSql } from '@sms/db';
import { shownPhone } from '../phones/view.ts';
import type { VerdictKind } from '@sms/twilio-service';

export interface TimelineEvent {
	id: string;
	/** 'event': a report or worker step (sms_delivery_events); 'attempt': one call to a provider (sms_send_attempts). */
	kind: 'event' | 'attempt';
	/** Which provider the report came from, or the attempt went to. */
	provider: string | null;
	/** The provider's reference (an attempt's, once it accepted or was found to have the text). */
	reference: string | null;
	status: string | null;
	rawStatus: string | null;
	source: string;
	errorCode: number | null;
	errorMessage: string | null;
	receivedAt: string;
	ip: string | null;
	/** Whether the provider's signature checked out; null when the event has no such record. */
	signatureOk: boolean | null;
	applied: boolean;
	/** The raw payload, pretty-printed; its numbers opened only for members allowed to see them. */
	payload: string | null;
}

export interface MessageDetail {
	message: Record<string, string | number | boolean | null> & { id: string; verdict: VerdictKind; body: string };
	events: TimelineEvent[];
}

/**
 * One text of the workspace with every field and its timeline, read through RLS; null when the
 * text is not this workspace's (the caller answers 404, never someone else's data).
 */
export async function messageDetail(
	tx: TransactionSql,
	organizationId: string,
	id: string,
	options: { showNumbers: boolean } = { showNumbers: false }
): Promise<MessageDetail | null> {
	const shown = (payload: unknown) => (options.showNumbers ? openPayload(phoneCipher(), payload) : maskPayload(payload));
	const [row] = await tx<Record<string, unknown>[]>`
		select m.*, public.sms_verdict_kind(m.status, m.scheduled_for, now()) as verdict
		from public.sms_messages m
		where m.id = ${id}::uuid and m.organization_id = ${organizationId}::uuid and m.direction = 'outbound'`;
	if (!row) return null;
	const events = await tx<Record<string, unknown>[]>`
		select e.id::text as id, e.status, e.raw_status, e.source, e.error_code, e.error_message, e.provider, e.provider_reference,
			to_char(e.received_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as received_at,
			host(e.sender_ip) as ip, e.applied, e.payload, to_jsonb(e) -> 'signature_ok' as signature_ok
		from public.sms_delivery_events e
		where e.message_id = ${id}::uuid
		order by e.received_at, e.id`;
	// Every call to a provider, with its outcome: where a failover went and why, beside the reports.
	const attempts = await tx<Record<string, unknown>[]>`
		select a.id::text as id, a.provider, a.outcome, a.reference, a.error_kind, a.error_code, a.error_message,
			to_char(a.started_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as started_at
		from public.sms_send_attempts a
		where a.message_id = ${id}::uuid
		order by a.started_at, a.id`;
	const message: MessageDetail['message'] = { id, verdict: row.verdict as VerdictKind, body: String(row.message_content ?? '') };
	for (const [k, v] of Object.entries(row)) {
		// The sealed number never leaves the server: it is opened (or masked) into phone_number below.
		if (k === 'message_content' || k === 'verdict' || k === 'phone_enc' || k === 'phone_hash') continue;
		message[k] = v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : v instanceof Date ? v.toISOString() : JSON.stringify(v);
	}
	message.phone_number = shownPhone(row.phone_enc as string | null, row.phone_last4 as string | null, options.showNumbers);
	const reports: TimelineEvent[] = events.map((e) => ({
		id: String(e.id),
		kind: 'event' as const,
		provider: (e.provider as string | null) ?? null,
		reference: (e.provider_reference as string | null) ?? null,
		status: (e.status as string | null) ?? null,
		rawStatus: (e.raw_status as string | null) ?? null,
		source: String(e.source),
		errorCode: (e.error_code as number | null) ?? null,
		errorMessage: (e.error_message as string | null) ?? null,
		receivedAt: String(e.received_at),
		ip: (e.ip as string | null) ?? null,
		signatureOk: typeof e.signature_ok === 'boolean' ? e.signature_ok : null,
		applied: Boolean(e.applied),
		payload: e.payload === null || e.payload === undefined ? null : JSON.stringify(shown(e.payload), null, 2)
	}));
	const calls: TimelineEvent[] = attempts.map((a) => ({
		id: `attempt-${String(a.id)}`,
		kind: 'attempt',
		provider: String(a.provider),
		reference: (a.reference as string | null) ?? null,
		status: String(a.outcome),
		rawStatus: null,
		source: 'attempt',
		errorCode: null,
		errorMessage:
			a.error_message === null ? null : [a.error_kind, a.error_code].filter((x) => x !== null).join(' ') + `: ${String(a.error_message)}`,
		receivedAt: String(a.started_at),
		ip: null,
		signatureOk: null,
		applied: a.outcome === 'accepted' || a.outcome === 'found',
		payload: null
	}));
	// Merged by time; an attempt sorts before the reports received in the same microsecond.
	const timeline = [...calls, ...reports].sort((x, y) => (x.receivedAt < y.receivedAt ? -1 : x.receivedAt > y.receivedAt ? 1 : 0));
	return { message, events: timeline };
}
