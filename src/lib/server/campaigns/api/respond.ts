import { json } from '@sveltejs/kit';
import type { Logger } from 'pino';
import { CampaignApiError, fromDatabase } from './errors.ts';

/** Runs a campaign API handler: its JSON, or its error as JSON with the status it names. */
export async function respond(log: Pick<Logger, 'error'>, run: () => Promise<{ status?: number; body: unknown }>): Promise<Response> {
	try {
		const { status, body } = await run();
		return json(body, { status: status ?? 200 });
	} catch (error) {
		const known = error instanceof CampaignApiError ? error : fromDatabase(error);
		if (known) return json(known.toJSON(), { status: known.status });
		log.error({ err: error }, 'campaign api failed');
		return json({ error: { code: 'internal', message: 'Something went wrong on our side; nothing was changed. Try again in a moment.' } }, { status: 500 });
	}
}
