import type { TransactionSql } from '@sms/db';

/** Creates a workspace with the caller as its owner; returns its id. */
export async function createWorkspace(tx: TransactionSql, options: { name: string; slug: string; defaultCountry: string }): Promise<string> {
	const [row] = await tx<{ id: string }[]>`
		select public.create_organization(p_name => ${options.name}, p_slug => ${options.slug}) as id`;
	return row.id;
}
