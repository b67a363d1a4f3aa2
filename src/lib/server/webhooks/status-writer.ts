import { phoneCipher, sealPayload, type Sql } from '@sms/db';
import type { ApplyStatusResult } from '@sms/twilio-service';
import type { StatusReport } from './status-report.ts';

/** What apply_sms_status answers (jsonb). */
export type ApplyResult = ApplyStatusResult;

interface Pending {
	report: StatusReport;
	senderIp: string | null;
	resolve: (result: ApplyResult) => void;
	reject: (error: unknown) => void;
}

/**
 * Writes status reports through apply_sms_status, many per commit when they arrive together.
 *
 * Every apply_sms_status NOTIFYs, and Postgres serialises the commits of notifying transactions,
 * so one report per commit caps ingestion at one disk flush per callback. Reports that arrive
 * while a write is in flight are written together by the next one: no timer, no added latency
 * when idle, and each request is still answered only after its report is durably committed.
 */
export class StatusWriter {
	private queue: Pending[] = [];
	private writing = false;
	private readonly seal: (payload: Record<string, string>) => Record<string, string>;

	constructor(
		private readonly options: {
			sql: Sql;
			maxBatch?: number;
			/** How the raw payload is stored: its numbers sealed (the default; the bench measures its cost beside the identity). */
			seal?: (payload: Record<string, string>) => Record<string, string>;
		}
	) {
		this.seal = options.seal ?? ((payload) => sealPayload(phoneCipher(), payload));
	}

	apply(report: StatusReport, senderIp: string | null): Promise<ApplyResult> {
		return new Promise((resolve, reject) => {
			this.queue.push({ report, senderIp, resolve, reject });
			if (!this.writing) void this.drain();
		});
	}

	private async drain(): Promise<void> {
		this.writing = true;
		try {
			while (this.queue.length > 0) {
				const batch = this.queue.splice(0, this.options.maxBatch ?? 200);
				try {
					const results = await applyMany(this.options.sql, batch, this.seal);
					batch.forEach((p, i) => p.resolve(results[i]!));
				} catch (error) {
					if (batch.length === 1) {
						batch[0]!.reject(error);
						continue;
					}
					// One bad report (or a deadlock with another writer) must not fail the rest:
					// write each alone so only the report at fault gets the error.
					await Promise.all(
						batch.map((p) => applyMany(this.options.sql, [p], this.seal).then((r) => p.resolve(r[0]!), p.reject))
					);
				}
			}
		} finally {
			this.writing = false;
		}
	}
}

/**
 * One statement (so one transaction and one commit) for the whole batch, as the server's pool:
 * apply_sms_status is SECURITY DEFINER and takes no user context. Reports are applied in SID
 * order (a stable lock order between concurrent writers), keeping arrival order within a SID.
 */
async function applyMany(sql: Sql, batch: Pending[], seal: (payload: Record<string, string>) => Record<string, string>): Promise<ApplyResult[]> {
	const rows = await sql<{ ord: string; result: ApplyResult }[]>`
		select r.ord, public.apply_sms_status(
			p_sid => r.sid,
			p_status => r.status,
			p_error_code => r.error_code,
			p_error_message => r.error_message,
			p_payload => r.payload::jsonb,
			p_source => 'webhook',
			p_sender_ip => r.sender_ip,
			p_price => r.price,
			p_price_unit => r.price_unit
		) as result
		from (
			select * from unnest(
				${batch.map((p) => p.report.sid)}::text[],
				${batch.map((p) => p.report.status)}::text[],
				${batch.map((p) => p.report.errorCode)}::integer[],
				${batch.map((p) => p.report.errorMessage)}::text[],
				${batch.map((p) => JSON.stringify(seal(p.report.payload)))}::text[],
				${batch.map((p) => p.senderIp)}::inet[],
				${batch.map((p) => p.report.price)}::numeric[],
				${batch.map((p) => p.report.priceUnit)}::text[]
			) with ordinality as u(sid, status, error_code, error_message, payload, sender_ip, price, price_unit, ord)
			order by u.sid, u.ord
			offset 0
		) r`;
	// One answer per report, or the result cannot be trusted (postgres.js once returned sparse
	// results after an error on the same connection): the caller then writes them one by one.
	const byOrd = new Map<number, ApplyResult>();
	for (const r of rows) if (r) byOrd.set(Number(r.ord), r.result);
	if (byOrd.size !== batch.length) throw new Error(`apply_sms_status answered ${byOrd.size} of ${batch.length} reports`);
	return batch.map((_, i) => byOrd.get(i + 1)!);
}

const writers = new WeakMap<Sql, StatusWriter>();

/** The process-wide writer for a pool. */
export function statusWriterFor(sql: Sql): StatusWriter {
	let writer = writers.get(sql);
	if (!writer) {
		writer = new StatusWriter({ sql });
		writers.set(sql, writer);
	}
	return writer;
}
