import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { readBody, sendJson } from '../http-utils.ts';
import type { ProviderEmulator } from './emulator.ts';
import { DOWN_MODES, isHttpProvider, PROVIDER_OUTCOME_NUMBERS, PROVIDER_REJECTIONS, type HttpProviderId } from './outcomes.ts';
import { textJson } from './reports.ts';

const settingsInput = z
	.object({
		down: z.enum(DOWN_MODES).nullable().optional(),
		apiKey: z.string().min(1).nullable().optional(),
		webhookSecret: z.string().min(1).nullable().optional()
	})
	.strict();

export type ProviderSettingsInput = z.input<typeof settingsInput>;

const PATH = /^\/_sandbox\/providers(?:\/([^/]+))?(\/messages|\/callbacks)?$/;

export function providerSummary(e: ProviderEmulator) {
	return {
		id: e.provider,
		down: e.down,
		accepted: e.accepted,
		texts: e.texts.size,
		apiKeySet: e.apiKey !== null,
		webhookSecretSet: e.webhookSecret !== null
	};
}

export function applySettings(e: ProviderEmulator, input: unknown): void {
	const s = settingsInput.parse(input);
	if (s.down !== undefined) e.down = s.down;
	if (s.apiKey !== undefined) e.apiKey = s.apiKey;
	if (s.webhookSecret !== undefined) e.webhookSecret = s.webhookSecret;
}

/** /_sandbox/providers…: state, settings (down switch, key, secret), texts and callbacks. Returns false if not ours. */
export async function handleProviderControl(
	emulators: Readonly<Record<HttpProviderId, ProviderEmulator>>,
	req: IncomingMessage,
	res: ServerResponse,
	path: string,
	query: URLSearchParams
): Promise<boolean> {
	const match = PATH.exec(path);
	if (!match) return false;
	const [, id, sub] = match;
	const method = req.method ?? 'GET';
	if (!id) {
		if (method !== 'GET') return false;
		sendJson(res, 200, {
			providers: Object.values(emulators).map(providerSummary),
			outcomes: PROVIDER_OUTCOME_NUMBERS,
			rejections: PROVIDER_REJECTIONS
		});
		return true;
	}
	if (!isHttpProvider(id)) {
		sendJson(res, 404, { error: `no provider ${id}` });
		return true;
	}
	const e = emulators[id];
	if (!sub && method === 'POST') {
		const text = await readBody(req);
		applySettings(e, text ? JSON.parse(text) : {});
		sendJson(res, 200, providerSummary(e));
	} else if (!sub && method === 'GET') {
		sendJson(res, 200, providerSummary(e));
	} else if (sub === '/messages' && method === 'GET') {
		const to = query.get('to');
		const messages = [];
		for (const t of e.texts.all()) {
			if (to && t.to !== to) continue;
			messages.push({ ...textJson(id, t), body: t.body, callback_url: t.callbackUrl, stage: t.stage });
		}
		sendJson(res, 200, { messages });
	} else if (sub === '/callbacks' && method === 'GET') {
		sendJson(res, 200, { callbacks: e.callbacks(query.get('id')) });
	} else {
		return false;
	}
	return true;
}
