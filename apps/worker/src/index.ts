// @sms/worker: drains send_sms jobs through twilio-service, honouring every preference.
export { createWorker, type CreateWorkerOptions, type Worker } from './worker.ts';
export { createWorkerPool, type WorkerPoolOptions } from './db.ts';
export { loadConfig, type WorkerConfig } from './config.ts';
export { backoffDelayMs, nextRunAt, type BackoffOptions } from './backoff.ts';
export { reconcileOnce, type ReconcileOptions, type ReconcileResult } from './reconcile.ts';
export { startHealthServer, type HealthServer, type HealthStatus } from './health-server.ts';
export { createMetrics, type WorkerMetrics } from './metrics.ts';
export { runWorkerProcess, type WorkerProcess } from './run.ts';
export type { SmsSender } from './sms-port.ts';
export { WorkerError, ConfigError, BadJobError, StoreError } from './errors.ts';
