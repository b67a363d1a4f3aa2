import { SMSService, TwilioClient } from '@sms/twilio-service';
import type { Logger } from 'pino';
import type { WorkerConfig } from './config.ts';
import { createWorkerPool } from './db.ts';
import { startHealthServer, type HealthServer } from './health-server.ts';
import { createWorker, type Worker } from './worker.ts';
import { startOperations, type Operations } from './operations.ts';
import { createWebhookDispatcher } from './webhooks/dispatcher.ts';

export interface WorkerProcess {
	worker: Worker;
	health: HealthServer;
	/** Graceful: stop claiming, finish in-flight sends, release the rest, close everything. */
	shutdown(): Promise<void>;
}

/** Wires configuration to a running worker: pool, Twilio client, worker, health server. */
export async function runWorkerProcess(options: { config: WorkerConfig; logger: Logger }): Promise<WorkerProcess> {
	const { config, logger } = options;
	// Room for every in-flight job's queries plus the claim loop; LISTEN has its own connection.
	const sql = createWorkerPool({ url: config.databaseUrl, max: Math.min(20, Math.max(4, Math.ceil(config.concurrency / 8))) });
	const client = new TwilioClient({
		accountSid: config.twilio.accountSid,
		authToken: config.twilio.authToken,
		messagingServiceSid: config.twilio.messagingServiceSid,
		from: config.twilio.from,
		baseUrl: config.twilio.apiBaseUrl,
		// Shorter than the lease, so a hung call never outlives the job's claim.
		timeoutMs: Math.min(15_000, Math.floor((config.leaseSeconds * 1000) / 2))
	});
	let operations: Operations | undefined;
	const worker = createWorker({
		sql,
		sms: new SMSService({ client }),
		statusCallbackUrl: config.statusCallbackUrl,
		providerCallbackUrl: config.providerCallbackUrl,
		// Shorter than the lease as well, for the same reason.
		providers: { ...config.providers, timeoutMs: Math.min(config.providers.timeoutMs, Math.floor((config.leaseSeconds * 1000) / 2)) },
		workerId: config.workerId,
		concurrency: config.concurrency,
		batchSize: config.batchSize,
		leaseSeconds: config.leaseSeconds,
		maxAttempts: config.maxAttempts,
		pollIntervalMs: config.pollIntervalMs,
		retryBaseMs: config.retryBaseMs,
		retryMaxMs: config.retryMaxMs,
		settleMs: config.settleMs,
		hardDailyCap: config.hardDailyCap,
		reconcile: {
			afterSeconds: config.reconcileAfterSeconds,
			intervalMs: config.reconcileIntervalMs,
			giveUpSeconds: config.reconcileGiveUpSeconds
		},
		logger,
		defaultMetrics: true,
		onReconciled: (result, startedAt) => operations?.reconciled(result, startedAt)
	});
	const health = await startHealthServer({
		port: config.port,
		host: config.host,
		registry: worker.metrics.registry,
		health: () => worker.health()
	});
	await worker.start();
	operations = startOperations({
		sql,
		worker,
		concurrency: config.concurrency,
		logger,
		alertsIntervalMs: config.alertsIntervalMs === 0 ? false : config.alertsIntervalMs
	});
	// Outbound webhooks: their own job type and loop. Loopback receivers only with the local sandbox.
	const webhooks = createWebhookDispatcher({
		sql,
		workerId: `${config.workerId ?? 'worker'}:webhooks`,
		mode: process.env.NODE_ENV !== 'production' && config.twilio.apiBaseUrl ? 'local' : 'production',
		logger
	});
	await webhooks.start();
	logger.info({ health: health.url }, 'health and metrics listening');
	return {
		worker,
		health,
		async shutdown() {
			await webhooks.stop();
			await worker.stop();
			await operations?.stop();
			await health.close();
			await sql.end({ timeout: 5 });
		}
	};
}
