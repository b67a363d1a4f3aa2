import { phoneCipher, sealPayload, type Sql } from '@sms/db';
import type { DeliveryReport, WebhookProvider } from '@sms/providers/webhook';
import { BatchedWriter } from './batched-writer.ts';

/**
 * The provider webhook's two database calls, each batched across requests arriving together
 * (BatchedWriter): which secrets a callback is checked against (provider_webhook_secrets) and
 * storing the verified report (apply_provider_status, one commit for the batch, as the Twilio
 * webhook's StatusWriter does). Reports are applied in (provider, reference) order — the lock
 * order of the worker's attach batches — keeping arrival order within a reference.
 */
export class ProviderCallbackWriter {
	private readonly secrets: BatchedWriter<{ provider: WebhookProvider; reference: string }, string[]>;
	private readonly reports: BatchedWriter<{ report: DeliveryReport; ip: string | null }, Record<string, unknown>>;

	constructor(sql: Sql) {
		this.secrets = new BatchedWriter({
			run: async (items) => {
				const rows = await sql<{ ord: string; secrets: string[] }[]>`
					select u.ord, public.provider_webhook_secrets(u.provider, u.reference) as secrets
					from unnest(${items.map((i) => i.provider)}::text[], ${items.map((i) => i.reference)}::text[])
					  with ordinality as u(provider, reference, ord)`;
				const byOrd = new Map(rows.map((r) => [Number(r.ord), r.secrets ?? []]));
				return byOrd.size === items.length ? items.map((_, i) => byOrd.get(i + 1)!) : [];
			}
		});
		this.reports = new BatchedWriter({
			run: async (items) => {
				const rows = await sql<{ ord: string; result: Record<string, unknown> }[]>`
					select r.ord, public.apply_provider_status(
						p_provider => r.provider, p_reference => r.reference, p_raw_status => r.raw_status, p_status => r.status,
						p_error_code => r.error_code, p_payload => r.payload::jsonb, p_sender_ip => r.sender_ip,
						p_price => r.price, p_price_unit => r.price_unit, p_segments => r.segments
					) as result
					from (
						select * from unnest(
							${items.map((i) => i.report.provider)}::text[],
							${items.map((i) => i.report.reference)}::text[],
							${items.map((i) => i.report.rawStatus)}::text[],
							${items.map((i) => i.report.status)}::text[],
							${items.map((i) => i.report.errorCode)}::text[],
							${items.map((i) => JSON.stringify(sealPayload(phoneCipher(), i.report.raw)))}::text[],
							${items.map((i) => i.ip)}::inet[],
							${items.map((i) => i.report.price)}::numeric[],
							${items.map((i) => i.report.priceUnit)}::text[],
							${items.map((i) => i.report.segments)}::integer[]
						) with ordinality as u(provider, reference, raw_status, status, error_code, payload, sender_ip, price, price_unit, segments, ord)
						order by u.provider, u.reference, u.ord
						offset 0
					) r`;
				const byOrd = new Map(rows.map((r) => [Number(r.ord), r.result]));
				return byOrd.size === items.length ? items.map((_, i) => byOrd.get(i + 1)!) : [];
			}
		});
	}

	secretsFor(provider: WebhookProvider, reference: string): Promise<string[]> {
		return this.secrets.submit({ provider, reference });
	}

	apply(report: DeliveryReport, ip: string | null): Promise<Record<string, unknown>> {
		return this.reports.submit({ report, ip });
	}
}

const writers = new WeakMap<Sql, ProviderCallbackWriter>();

/** The process-wide writer for a pool. */
export function providerWriterFor(sql: Sql): ProviderCallbackWriter {
	let writer = writers.get(sql);
	if (!writer) {
		writer = new ProviderCallbackWriter(sql);
		writers.set(sql, writer);
	}
	return writer;
}
