import type { Sql } from '@sms/db';
import type { ProviderId, ProviderText, SmsProvider } from '@sms/providers';
import type { Logger } from 'pino';
import type { WorkerMetrics } from './metrics.ts';

/**
 * The reconciler's half for the HTTP providers (sms-retail, 23telecom): texts they accepted
 * whose delivery reports never arrived (or arrived without the final word) are looked up
 * through the provider port (fetchStatus) and the answer applied through
 * apply_provider_polled_status — the webhook's forward-only path, recorded as source 'poll'.
 * Runs inside reconcileOnce, under its advisory lock: one reconciler at a time.
 */
export interface HttpProviderLookup {
	/** Loads (or refreshes) these workspaces' provider settings. */
	refresh(organizationIds: readonly (string | null)[]): Promise<void>;
	adapter(organizationId: string | null, provider: ProviderId): SmsProvider;
}

interface Candidate {
	messageId: string;
	organizationId: string | null;
	provider: Exclude<ProviderId, 'twilio'>;
	reference: string;
}

export interface HttpReconcileOptions {
	sql: Sql;
	providers: HttpProviderLookup;
	logger: Logger;
	metrics: WorkerMetrics;
	afterSeconds: number;
	giveUpSeconds: number;
	limit: number;
	isStopping?: () => boolean;
}

/** Same rule as the Twilio candidates (store.reconcileCandidates), for texts with an HTTP provider's reference. */
async function candidates(options: HttpReconcileOptions): Promise<Candidate[]> {
	const rows = await options.sql<{ id: string; organization_id: string | null; provider: Candidate['provider']; provider_reference: string }[]>`
		select m.id, m.organization_id, m.provider, m.provider_reference
		from public.sms_messages m
		where m.provider in ('sms-retail', '23telecom')
		  and m.provider_reference is not null
		  and m.direction = 'outbound'
		  and m.created_at > now() - make_interval(secs => ${options.giveUpSeconds})
		  and m.updated_at < now() - make_interval(secs => ${options.afterSeconds})
		  and (public.sms_status_phase(m.status) = 'with_provider'
		       or (public.sms_status_awaits_price(m.status) and m.price is null))
		  and not exists (
		    select 1 from public.sms_delivery_events e
		    where e.message_id = m.id and e.source = 'poll'
		      and e.received_at > now() - make_interval(secs => ${options.afterSeconds}))
		order by m.updated_at
		limit ${options.limit}`;
	return rows.map((r) => ({ messageId: r.id, organizationId: r.organization_id, provider: r.provider, reference: r.provider_reference }));
}

async function apply(sql: Sql, provider: ProviderId, text: ProviderText): Promise<string> {
	// What the lookup answered, without any number (the port's ProviderText carries none).
	const payload = {
		reference: text.reference,
		status: text.rawStatus,
		errorCode: text.errorCode,
		errorMessage: text.errorMessage,
		price: text.price,
		priceUnit: text.priceUnit,
		segments: text.segments
	};
	const [row] = await sql<{ result: { outcome?: string } | null }[]>`
		select public.apply_provider_polled_status(
			p_provider => ${provider}, p_reference => ${text.reference}, p_raw_status => ${text.rawStatus},
			p_status => ${text.status}, p_error_code => ${text.errorCode}, p_payload => ${sql.json(payload)}::jsonb,
			p_price => ${text.price}::numeric, p_price_unit => ${text.priceUnit}, p_segments => ${text.segments}::int) as result`;
	return row?.result?.outcome ?? 'unknown';
}

export async function reconcileHttpProviders(options: HttpReconcileOptions): Promise<{ polled: number; changed: number; errors: number }> {
	const result = { polled: 0, changed: 0, errors: 0 };
	const found = await candidates(options);
	if (found.length === 0) return result;
	await options.providers.refresh(found.map((c) => c.organizationId));
	for (const c of found) {
		if (options.isStopping?.()) break;
		const log = options.logger.child({ messageId: c.messageId, provider: c.provider, reference: c.reference });
		try {
			const answer = await options.providers.adapter(c.organizationId, c.provider).fetchStatus(c.reference);
			if (!answer.ok) {
				if (answer.error.kind === 'permanent') {
					// It does not know the reference: counted and polled again after afterSeconds, never resent.
					result.polled++;
					options.metrics.reconciled.inc({ outcome: 'unknown_sid' });
					log.warn({ code: answer.error.code }, `${c.provider} does not know this reference`);
				} else {
					result.errors++;
					options.metrics.reconciled.inc({ outcome: 'error' });
					log.warn({ code: answer.error.code, err: answer.error.message }, 'reconciliation lookup failed');
				}
				continue;
			}
			result.polled++;
			const outcome = await apply(options.sql, c.provider, answer.value);
			if (outcome === 'applied') result.changed++;
			options.metrics.reconciled.inc({ outcome });
			log.debug({ outcome, status: answer.value.rawStatus }, 'reconciled');
		} catch (error) {
			result.errors++;
			options.metrics.reconciled.inc({ outcome: 'error' });
			log.warn({ err: error instanceof Error ? error.message : String(error) }, 'reconciliation poll failed');
		}
	}
	return result;
}
