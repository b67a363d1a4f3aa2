import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { parseFaults } from './faults.ts';
import { isLoopback, readBody, sendJson } from './http-utils.ts';
import { messageDebugJson, type SandboxMessage } from './message.ts';
import { MAGIC_REJECTIONS, OUTCOME_NUMBERS } from './outcomes.ts';
import type { SandboxState } from './state.ts';
import { TwilioApiError } from './twilio-error.ts';
import type { Verification } from './verify-service.ts';
import { handleProviderControl } from './providers/control.ts';

const replyInput = z.object({ from: z.string(), body: z.string(), to: z.string().optional() }).strict();
const clockInput = z.object({ advanceMs: z.number().int() }).strict();
const configInput = z.object({ incomingWebhookUrl: z.url().nullable() }).strict();

function verificationDebugJson(v: Verification) {
	return {
		sid: v.sid,
		service_sid: v.serviceSid,
		to: v.to,
		code: v.code,
		status: v.status,
		wrong_checks: v.wrongChecks,
		sends: v.sendAttempts.length,
		expires_at: new Date(v.expiresAt).toISOString()
	};
}

async function jsonBody(req: IncomingMessage): Promise<unknown> {
	const text = await readBody(req);
	return text ? JSON.parse(text) : {};
}

/** /_sandbox/…: read state, reset, inject faults, reply as a phone. No auth, loopback only. */
export function createControlHandler(state: SandboxState) {
	return async (req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams) => {
		if (!isLoopback(req.socket.remoteAddress)) {
			sendJson(res, 403, { error: 'the control API answers loopback clients only' });
			return;
		}
		const method = req.method ?? 'GET';
		const key = `${method} ${path}`;
		try {
			if (await handleProviderControl(state.providers, req, res, path, query)) return;
			switch (key) {
				case 'GET /_sandbox/messages': {
					const to = query.get('to');
					const phone = query.get('phone');
					const sid = query.get('sid');
					const source: Iterable<SandboxMessage> =
						to || phone ? state.store.forPhone((to ?? phone)!) : state.store.all();
					const messages: ReturnType<typeof messageDebugJson>[] = [];
					for (const m of source) {
						if (to && m.to !== to) continue;
						if (sid && m.sid !== sid) continue;
						messages.push(messageDebugJson(m));
					}
					sendJson(res, 200, { messages });
					return;
				}
				case 'GET /_sandbox/verifications': {
					const to = query.get('to');
					if (!to) {
						sendJson(res, 200, { verifications: state.verify.all().map(verificationDebugJson) });
						return;
					}
					const v = state.verify.latest(to);
					if (!v) sendJson(res, 404, { error: `no live verification for ${to}` });
					else sendJson(res, 200, verificationDebugJson(v));
					return;
				}
				case 'GET /_sandbox/callbacks': {
					const sid = query.get('sid');
					const all = state.callbackLog.list();
					sendJson(res, 200, { callbacks: sid ? all.filter((c) => c.params.MessageSid === sid) : all });
					return;
				}
				case 'POST /_sandbox/reset':
					state.reset();
					sendJson(res, 200, { ok: true });
					return;
				case 'GET /_sandbox/faults':
					sendJson(res, 200, state.faults);
					return;
				case 'POST /_sandbox/faults':
					state.faults = parseFaults(await jsonBody(req));
					sendJson(res, 200, state.faults);
					return;
				case 'POST /_sandbox/reply': {
					const input = replyInput.parse(await jsonBody(req));
					const result = await state.inbound.reply(input);
					sendJson(res, 200, {
						messageSid: result.message.sid,
						to: result.message.to,
						webhookUrl: result.webhookUrl,
						status: result.status,
						twiml: result.twiml,
						error: result.error,
						replies: result.replies
					});
					return;
				}
				case 'POST /_sandbox/clock': {
					state.clock.advance(clockInput.parse(await jsonBody(req)).advanceMs);
					sendJson(res, 200, { now: new Date(state.clock.now()).toISOString() });
					return;
				}
				case 'POST /_sandbox/config': {
					state.incomingWebhookUrl = configInput.parse(await jsonBody(req)).incomingWebhookUrl;
					sendJson(res, 200, { incomingWebhookUrl: state.incomingWebhookUrl });
					return;
				}
				case 'GET /_sandbox/stats':
					sendJson(res, 200, {
						messages: state.store.size,
						scheduledTasks: state.scheduler.size,
						callbacksPending: state.callbacks.pending,
						memoryRssBytes: process.memoryUsage.rss()
					});
					return;
				case 'GET /_sandbox/outcomes':
					sendJson(res, 200, {
						rejections: Object.entries(MAGIC_REJECTIONS).map(([number, r]) => ({
							number,
							code: r.code,
							status: r.status
						})),
						outcomes: OUTCOME_NUMBERS
					});
					return;
				default:
					sendJson(res, 404, { error: `no control route ${key}` });
			}
		} catch (error) {
			if (error instanceof z.ZodError) sendJson(res, 400, { error: 'invalid input', issues: error.issues });
			else if (error instanceof SyntaxError) sendJson(res, 400, { error: `invalid JSON: ${error.message}` });
			else if (error instanceof TwilioApiError) sendJson(res, error.status, error.toBody());
			else throw error;
		}
	};
}
