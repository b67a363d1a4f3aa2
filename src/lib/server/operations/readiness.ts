import type { Db } from '@sms/db';

/** One part the app needs to do its job; `detail` says what is wrong in words. */
export interface ReadinessCheck {
	ok: boolean;
	detail: string;
}

export interface Readiness {
	ok: boolean;
	/** The parts that failed, by name ("database", "worker", "provider"). */
	failing: string[];
	checks: { database: ReadinessCheck; worker: ReadinessCheck; provider: ReadinessCheck };
}

export interface ReadinessOptions {
	db: Db;
	/** A cheap authenticated provider call (TwilioClient.checkCredentials). */
	checkProvider: () => Promise<void>;
	/** A worker must have heartbeated within this (default 30 s). */
	workerWithinSeconds?: number;
	/** The provider's answer is reused this long (default 60 s): readiness is polled often. */
	providerCacheMs?: number;
	timeoutMs?: number;
	now?: () => number;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	return Promise.race([
		promise,
		new Promise<never>((_, reject) => {
			timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
		})
	]).finally(() => clearTimeout(timer));
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Readiness: the database answers, a worker is alive, the provider accepts our credentials.
 * Liveness (`/api/health`) stays separate and cheap.
 */
export function createReadiness(options: ReadinessOptions): () => Promise<Readiness> {
	const timeoutMs = options.timeoutMs ?? 2000;
	const within = options.workerWithinSeconds ?? 30;
	const cacheMs = options.providerCacheMs ?? 60_000;
	const now = options.now ?? Date.now;
	let provider: { at: number; result: ReadinessCheck } | null = null;
	let pending: Promise<ReadinessCheck> | null = null;

	async function providerCheck(): Promise<ReadinessCheck> {
		if (provider && now() - provider.at < cacheMs) return provider.result;
		// Concurrent probes share one call instead of each asking the provider.
		pending ??= withTimeout(options.checkProvider(), timeoutMs * 2, 'provider')
			.then(
				(): ReadinessCheck => ({ ok: true, detail: 'credentials accepted' }),
				(error: unknown): ReadinessCheck => ({ ok: false, detail: `provider refused or unreachable: ${message(error)}` })
			)
			.then((result) => {
				provider = { at: now(), result };
				pending = null;
				return result;
			});
		return pending;
	}

	async function databaseAndWorker(): Promise<{ database: ReadinessCheck; worker: ReadinessCheck }> {
		try {
			const [row] = await withTimeout(
				options.db.asService((tx) => tx<{ alive: boolean }[]>`select public.worker_alive(${within}) as alive`),
				timeoutMs,
				'database'
			);
			return {
				database: { ok: true, detail: 'answering' },
				worker: row.alive
					? { ok: true, detail: `a worker heartbeated within ${within} s` }
					: { ok: false, detail: `no worker has heartbeated within ${within} s: start one (npm run -w @sms/worker start) or check its logs` }
			};
		} catch (error) {
			return {
				database: { ok: false, detail: `unreachable: ${message(error)}` },
				worker: { ok: false, detail: 'unknown while the database is unreachable' }
			};
		}
	}

	return async () => {
		const [{ database, worker }, providerResult] = await Promise.all([databaseAndWorker(), providerCheck()]);
		const checks = { database, worker, provider: providerResult };
		const failing = Object.entries(checks)
			.filter(([, c]) => !c.ok)
			.map(([name]) => name);
		return { ok: failing.length === 0, failing, checks };
	};
}
