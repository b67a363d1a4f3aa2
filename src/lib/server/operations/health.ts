import type { TransactionSql } from '@sms/db';

export interface WorkerHealth {
	workerId: string;
	version: string;
	concurrency: number;
	inFlight: number;
	sentCount: number;
	startedAt: string;
	lastSeen: string;
	stopped: boolean;
	alive: boolean;
	sentPerMinute: number | null;
}

export interface WorkspaceHealth {
	now: string;
	workers: WorkerHealth[];
	queue: { depth: number; oldestDueAt: string | null; oldestDueSeconds: number | null };
	callbackLag: { provider: string; medianSeconds: number; texts: number }[];
	/** null until webhook rejections are recorded (the providers issue). */
	rejectedCallbacksLastHour: number | null;
	/** null until the pricing cache exists (the cost issue). */
	pricing: { countries: number; newestFetchedAt: string | null; oldestFetchedAt: string | null; ageSeconds: number | null } | null;
	reconciler: { workerId: string; startedAt: string; finishedAt: string; polled: number; changed: number; errors: number } | null;
}

/** What the console's health page shows, through workspace_health() (members only, via RLS claims). */
export async function loadWorkspaceHealth(tx: TransactionSql, organizationId: string): Promise<WorkspaceHealth> {
	const [{ h }] = await tx<{ h: WorkspaceHealth }[]>`select public.workspace_health(${organizationId}) as h`;
	return {
		...h,
		queue: {
			depth: Number(h.queue.depth),
			oldestDueAt: h.queue.oldestDueAt,
			oldestDueSeconds: h.queue.oldestDueSeconds === null ? null : Number(h.queue.oldestDueSeconds)
		},
		rejectedCallbacksLastHour: h.rejectedCallbacksLastHour === null ? null : Number(h.rejectedCallbacksLastHour),
		workers: h.workers.map((w) => ({ ...w, sentPerMinute: w.sentPerMinute === null ? null : Number(w.sentPerMinute) })),
		callbackLag: h.callbackLag.map((l) => ({ ...l, medianSeconds: Number(l.medianSeconds), texts: Number(l.texts) }))
	};
}
