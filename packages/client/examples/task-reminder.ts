// Seed 003's sendTaskReminder, from application code: a contact by your own user id, upserted
// with its phone, a template with variables, and an idempotency key tied to the task so a
// retried job never texts twice.
import type { SmsClient } from '../src/index.ts';

export async function sendTaskReminder(sms: SmsClient, task: { id: string; name: string; due: Date; user: { id: string; name: string; phone: string } }) {
	return sms.messages.send(
		{
			to: { externalId: `user-${task.user.id}`, name: task.user.name, phone: task.user.phone },
			type: 'task_reminder',
			template: 'task_reminder',
			variables: { task: task.name, due: `at ${task.due.toISOString().slice(11, 16)} UTC` },
			priority: 'high',
			metadata: { taskId: task.id }
		},
		{ idempotencyKey: `task-reminder:${task.id}:${task.due.toISOString()}` }
	);
}
