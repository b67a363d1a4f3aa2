// Seed 003's urgent alert: urgent priority and a type that bypasses quiet hours; the caller then
// follows the text to its definitive verdict.
import type { SmsClient } from '../src/index.ts';

export async function sendUrgentAlert(sms: SmsClient, alert: { id: string; phone: string; text: string }) {
	const accepted = await sms.messages.send(
		{ to: { phone: alert.phone }, type: 'urgent_alert', body: alert.text, priority: 'urgent', metadata: { alertId: alert.id } },
		{ idempotencyKey: `alert:${alert.id}` }
	);
	const message = await sms.messages.get(accepted.id);
	return { accepted, message };
}
