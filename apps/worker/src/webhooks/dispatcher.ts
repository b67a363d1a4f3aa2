import type { Sql } from '@sms/db';
import type { Logger } from 'pino';
import { deliverWebhook, isRetryable, nextRetryDelayMs, type DeliveryOutcome, type DeliveryRequest, type WebhookNetworkMode } from '@sms/webhooks';
import { silentLogger } from '../logger.ts';
import { openWebhookPayload } from './open-payload.ts';

/**
 * Outbound webhooks, as a job type of their own (`deliver_webhook`): claims those jobs with the
 * same claim_jobs as texts, makes one signed attempt per job, logs it, and schedules the next
 * attempt on the retry schedule. Runs beside the texts' loop, so a receiver that times out
 * holds only its own slot, never a text or a status report.
 */
export interface WebhookDispatcherOptions {
	sql: Sql;
	workerId: string;
	/** production: public https only, checked after DNS. local: loopback allowed. */
	mode: WebhookNetworkMode;
	concurrency?: number;
	pollIntervalMs?: number;
	leaseSeconds?: number;
	timeoutMs?: number;
	/** Delay before the next attempt after attempt n failed; null: give up. Tests shorten it. */
	retryDelayMs?: (attempt: number) => number | null;
	/** Injected in tests to pretend names resolve somewhere. */
	resolve?: DeliveryRequest['resolve'];
	logger?: Logger;
}

interface Job {
	id: string;
	payload: { delivery_id?: string };
}

interface DeliveryRow {
	url: string;
	secret: string;
	event_id: string;
	payload: unknown;
	attempts: number;
	status: string;
}

export function createWebhookDispatcher(o: WebhookDispatcherOptions) {
	const logger = (o.logger ?? silentLogger()).child({ component: 'webhooks' });
	const concurrency = o.concurrency ?? 16;
	const retryDelay = o.retryDelayMs ?? ((n: number) => nextRetryDelayMs(n));
	let running = 0;
	let stopping = false;
	let timer: NodeJS.Timeout | undefined;
	let unlisten: (() => Promise<void>) | undefined;
	const idle = new Set<() => void>();

	async function handle(job: Job): Promise<void> {
		const deliveryId = job.payload.delivery_id;
		const [d] = deliveryId ? await o.sql<DeliveryRow[]>`select * from public.webhook_delivery_for_job(${deliveryId}::uuid)` : [];
		if (!d || d.status === 'succeeded') {
			// Endpoint deleted or disabled, or delivered already (a replayed job): nothing to send.
			await o.sql`select public.complete_job(${job.id}::uuid, ${o.workerId})`;
			return;
		}
		const outcome: DeliveryOutcome = await deliverWebhook({
			url: d.url,
			secret: d.secret,
			eventId: d.event_id,
			payload: JSON.stringify(openWebhookPayload(d.payload)),
			mode: o.mode,
			timeoutMs: o.timeoutMs,
			resolve: o.resolve
		});
		const attempt = d.attempts + 1;
		const delay = outcome.ok || !isRetryable(outcome) ? null : retryDelay(attempt);
		const retryAt = delay === null ? null : new Date(Date.now() + delay);
		await o.sql`
			select public.record_webhook_attempt(${deliveryId!}::uuid, ${outcome.ok}, ${outcome.status ?? null}, ${outcome.latencyMs},
				${outcome.excerpt}, ${outcome.error ?? null}, ${retryAt})`;
		if (retryAt) await o.sql`select public.retry_job(${job.id}::uuid, ${o.workerId}, ${outcome.error ?? `HTTP ${outcome.status}`}, ${retryAt})`;
		else await o.sql`select public.complete_job(${job.id}::uuid, ${o.workerId})`;
		logger.info({ deliveryId, eventId: d.event_id, attempt, ok: outcome.ok, status: outcome.status, latencyMs: outcome.latencyMs, retryAt }, 'webhook attempt');
	}

	async function claimAndRun(): Promise<number> {
		const want = concurrency - running;
		if (want <= 0 || stopping) return 0;
		const jobs = await o.sql<Job[]>`
			select id, payload from public.claim_jobs(${o.workerId}, ${['deliver_webhook']}::text[], ${want}, ${o.leaseSeconds ?? 60})`;
		for (const job of jobs) {
			running++;
			void handle(job)
				.catch((err: unknown) => logger.error({ err, jobId: job.id }, 'webhook job failed; it runs again when its lease ends'))
				.finally(() => {
					running--;
					if (running === 0) for (const f of idle) f();
					if (jobs.length === want) void tick();
				});
		}
		return jobs.length;
	}

	async function tick(): Promise<void> {
		try {
			await claimAndRun();
		} catch (err) {
			logger.error({ err }, 'claiming webhook jobs failed');
		}
	}

	return {
		async start() {
			const listener = await o.sql.listen('webhook_jobs', () => void tick());
			unlisten = () => listener.unlisten();
			timer = setInterval(() => void tick(), o.pollIntervalMs ?? 1000);
			await tick();
		},
		async stop() {
			stopping = true;
			clearInterval(timer);
			await unlisten?.();
			if (running > 0) await new Promise<void>((r) => idle.add(r));
		},
		/** For tests: claim once and wait for those attempts. */
		async runOnce(): Promise<number> {
			const n = await claimAndRun();
			if (running > 0) await new Promise<void>((r) => idle.add(r));
			return n;
		}
	};
}
export type WebhookDispatcher = ReturnType<typeof createWebhookDispatcher>;
