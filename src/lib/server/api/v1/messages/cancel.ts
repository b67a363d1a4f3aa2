import type { TransactionSql } from '@sms/db';
import type { Message } from '$lib/api/v1/schemas/messages';
import { problem } from '$lib/api/v1/problems';
import { ApiProblem } from '../respond.ts';
import { getMessage } from './read.ts';

/** Cancels a text still pending or scheduled (cancel_sms_message's rule); 409 once handed on. */
export async function cancelMessage(tx: TransactionSql, organizationId: string, id: string, keyId: string): Promise<Message> {
	const before = await getMessage(tx, organizationId, id);
	if (before.status === 'canceled') return before;
	const [{ changed }] = await tx<{ changed: boolean }[]>`
		select public.cancel_sms_message(${id}::uuid, ${`canceled through the API (key ${keyId.slice(0, 8)})`}) as changed`;
	if (!changed) {
		throw new ApiProblem(
			problem('not_cancelable', `The text is ${before.status}: it was already handed to the provider or finished, so it can no longer be canceled.`)
		);
	}
	return getMessage(tx, organizationId, id);
}
