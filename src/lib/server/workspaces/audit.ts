import type { TransactionSql } from '@sms/db';
import { db } from '../db.ts';

/**
 * Row changes in workspace tables are audited by the database's triggers, with auth.uid() as
 * the actor; this tells them the client's address (request.client_ip, transaction-local).
 */
export async function setRequestIp(tx: TransactionSql, ip: string | null): Promise<void> {
	if (ip) await tx`select set_config('request.client_ip', ${ip}, true)`;
}

/**
 * An audited action that changes no workspace row (an export): record_audit is for the
 * service only, which names the actor.
 */
export async function recordAction(entry: {
	organizationId: string;
	actorId: string;
	action: string;
	targetType?: string | null;
	targetId?: string | null;
	after?: Record<string, unknown> | null;
	ip: string | null;
}): Promise<void> {
	await db().asService(
		(tx) => tx`
			select public.record_audit(${entry.organizationId}::uuid, ${entry.actorId}::uuid, ${entry.action},
				${entry.targetType ?? null}, ${entry.targetId ?? null}, null,
				${entry.after ? tx.json(entry.after as never) : null}::jsonb, ${entry.ip}::inet)`
	);
}

/** The client's address as an inet, or null when it is not one (never fail an action over it). */
export function clientIp(getClientAddress: () => string): string | null {
	try {
		const ip = getClientAddress();
		return /^[0-9a-fA-F:.]+$/.test(ip) ? ip : null;
	} catch {
		return null;
	}
}
