import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics of one worker. Each worker has its own Registry (never the global one),
 * so several workers in one process (tests) do not collide.
 */
export interface WorkerMetrics {
	registry: Registry;
	claimed: Counter;
	sent: Counter;
	failed: Counter<'reason'>;
	retried: Counter;
	deferred: Counter<'reason'>;
	suppressed: Counter<'reason'>;
	released: Counter;
	recovered: Counter;
	failovers: Counter<'from' | 'to'>;
	providerErrors: Counter<'provider' | 'kind'>;
	reconciled: Counter<'outcome'>;
	inFlight: Gauge;
	sendLatency: Histogram;
}

export function createMetrics(options: {
	/** Counts the queue's due jobs when Prometheus scrapes. */
	queueDepth?: () => Promise<number>;
	defaultMetrics?: boolean;
}): WorkerMetrics {
	const registry = new Registry();
	if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'sms_worker_' });
	const registers = [registry];
	const queueDepth = options.queueDepth;
	new Gauge({
		name: 'sms_worker_queue_depth',
		help: 'send_sms jobs pending and due now',
		registers,
		async collect() {
			if (queueDepth) this.set(await queueDepth());
		}
	});
	return {
		registry,
		claimed: new Counter({ name: 'sms_worker_jobs_claimed_total', help: 'Jobs claimed from queue_jobs', registers }),
		sent: new Counter({ name: 'sms_worker_sent_total', help: 'Texts accepted by a provider', registers }),
		failed: new Counter({ name: 'sms_worker_failed_total', help: 'Texts failed for good', labelNames: ['reason'], registers }),
		retried: new Counter({ name: 'sms_worker_retried_total', help: 'Send attempts scheduled for retry', registers }),
		deferred: new Counter({ name: 'sms_worker_deferred_total', help: 'Texts held back (quiet hours, daily limit)', labelNames: ['reason'], registers }),
		suppressed: new Counter({ name: 'sms_worker_suppressed_total', help: 'Texts not sent because of preferences', labelNames: ['reason'], registers }),
		released: new Counter({ name: 'sms_worker_jobs_released_total', help: 'Claimed jobs given back unstarted (shutdown)', registers }),
		recovered: new Counter({ name: 'sms_worker_recovered_total', help: 'Interrupted sends found already accepted by a provider (no resend)', registers }),
		failovers: new Counter({ name: 'sms_worker_failovers_total', help: 'Texts moved to the next provider', labelNames: ['from', 'to'], registers }),
		providerErrors: new Counter({
			name: 'sms_worker_provider_errors_total',
			help: 'Failed provider calls by provider and kind (retry_later, permanent, provider_unavailable)',
			labelNames: ['provider', 'kind'],
			registers
		}),
		reconciled: new Counter({ name: 'sms_worker_reconciled_total', help: 'Messages polled from their provider by reconciliation', labelNames: ['outcome'], registers }),
		inFlight: new Gauge({ name: 'sms_worker_in_flight', help: 'Jobs being processed now', registers }),
		sendLatency: new Histogram({
			name: 'sms_worker_send_latency_seconds',
			help: 'Duration of the provider send call',
			buckets: [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2, 5, 10],
			registers
		})
	};
}
