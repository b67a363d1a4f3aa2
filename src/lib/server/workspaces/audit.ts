import type { TransactionSql } from '@sms/db';

export interface AuditEntry {
	action: string;
	targetType: string;
	targetId: string | null;
	before?: Record<string, unknown> | null;
	after?: Record<string, unknown> | null;
}

/**
 * One audit row, in the same transaction as the change it describes (so a change is never
 * left without its row, nor a row without its change). The actor is auth.uid().
 */
export async function audit(tx: TransactionSql, organizationId: string, ip: string | null, entry: AuditEntry): Promise<void> {
	await tx`
		select public.record_audit(
			p_organization_id => ${organizationId}::uuid,
			p_action => ${entry.action},
			p_target_type => ${entry.targetType},
			p_target_id => ${entry.targetId},
			p_before => ${entry.before ? tx.json(entry.before as never) : null}::jsonb,
			p_after => ${entry.after ? tx.json(entry.after as never) : null}::jsonb,
			p_ip => ${ip}::inet
		)`;
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
