import type { TransactionSql } from '@sms/db';

/** Creates a workspace with the caller as its owner (audited by trigger); returns its id. */
export async function createWorkspace(tx: TransactionSql, options: { name: string; slug: string }): Promise<string> {
	const [row] = await tx<{ id: string }[]>`select public.create_organization(${options.name}, ${options.slug}) as id`;
	return row.id;
}
