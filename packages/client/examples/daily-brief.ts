// Seed 003's daily brief: one text per person at 07:00 their time, queued in one batch the evening
// before. Each item succeeds or fails on its own; quiet hours and opt-outs still apply.
import type { SendMessageRequest, SmsClient } from '../src/index.ts';

export async function queueDailyBriefs(sms: SmsClient, people: { externalId: string; phone: string; name: string; sendAt: Date; summary: string }[], day: string) {
	const messages: SendMessageRequest[] = people.map((p) => ({
		to: { externalId: p.externalId, name: p.name, phone: p.phone },
		type: 'daily_brief',
		body: `Good morning ${p.name}: ${p.summary}`,
		sendAt: p.sendAt.toISOString(),
		metadata: { brief: day }
	}));
	const result = await sms.messages.sendBatch(messages, { idempotencyKey: `daily-brief:${day}` });
	return result;
}
