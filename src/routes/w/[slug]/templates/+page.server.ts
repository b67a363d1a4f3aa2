import { fail } from '@sveltejs/kit';
import { z } from 'zod';
import { analyseTemplate } from '@sms/twilio-service/template';
import { db } from '$lib/server/db';
import {
	createTemplate,
	deleteTemplate,
	listTemplates,
	maxTemplateSegments,
	notificationTypes,
	setTemplateActive,
	updateTemplate
} from '$lib/server/templates/templates';
import { workspaceAction } from '$lib/server/workspaces/actions';
import { requireWorkspace } from '$lib/server/workspaces/context';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const ctx = await requireWorkspace(event, 'viewer');
	const q = event.url.searchParams.get('q') ?? '';
	const page = Number(event.url.searchParams.get('page') ?? '1') || 1;
	return db().asUser(ctx.claims, async (tx) => ({
		list: await listTemplates(tx, ctx.organization.id, { q, page }),
		types: await notificationTypes(tx),
		maxSegments: await maxTemplateSegments(tx, ctx.organization.id),
		q
	}));
};

const templateSchema = z.object({
	name: z.string().trim().min(1, 'Enter a name.').max(100, 'A name has at most 100 characters.'),
	body: z.string().refine((b) => b.trim() !== '', 'Write the message.').refine((b) => b.length <= 1600, 'A message has at most 1,600 characters.'),
	notificationType: z.string().min(1, 'Choose a type.'),
	description: z.string().max(500, 'A description has at most 500 characters.')
});
const keySchema = z
	.string()
	.trim()
	.regex(/^[a-z0-9][a-z0-9_.-]{0,99}$/, 'Use lower-case letters, digits, _ . or -, starting with a letter or digit (up to 100).');
const idSchema = z.uuid({ message: 'Choose a template from the list.' });

function formValues(form: FormData): Record<string, string> {
	const values: Record<string, string> = {};
	for (const k of ['id', 'key', 'name', 'body', 'notificationType', 'description', 'samples']) values[k] = String(form.get(k) ?? '');
	return values;
}

function invalid(action: string, error: z.ZodError, values: Record<string, string>) {
	const errors: Record<string, string> = {};
	for (const issue of error.issues) errors[String(issue.path[0] ?? 'form')] ??= issue.message;
	return fail(400, { action, errors, values });
}

/** The same block as the editor shows: over the workspace's segment limit with the sample values. */
function blocked(values: Record<string, string>, maxSegments: number): string | null {
	let samples: Record<string, string> = {};
	try {
		const parsed: unknown = JSON.parse(values.samples || '{}');
		if (parsed && typeof parsed === 'object') samples = parsed as Record<string, string>;
	} catch {
		samples = {};
	}
	const analysis = analyseTemplate(values.body, { sampleVars: samples, maxSegments });
	return analysis.verdict === 'blocked' ? analysis.message : null;
}

async function save(event: Parameters<Actions[string]>[0], mode: 'create' | 'update') {
	const values = formValues(await event.request.formData());
	return workspaceAction(event, { action: mode, minRole: 'admin', values }, async ({ ctx, tx }) => {
		const parsed = templateSchema.safeParse(values);
		if (!parsed.success) return invalid(mode, parsed.error, values);
		const over = blocked(values, await maxTemplateSegments(tx, ctx.organization.id));
		if (over) return fail(400, { action: mode, errors: { body: over }, values });
		if (mode === 'create') {
			const key = keySchema.safeParse(values.key);
			if (!key.success) return invalid(mode, key.error, values);
			await createTemplate(tx, ctx.organization.id, { key: key.data, ...parsed.data });
			return { message: `Template "${parsed.data.name}" created.` };
		}
		const id = idSchema.safeParse(values.id);
		if (!id.success) return invalid(mode, id.error, values);
		await updateTemplate(tx, id.data, parsed.data);
		return { message: `Template "${parsed.data.name}" saved.` };
	});
}

export const actions: Actions = {
	create: (event) => save(event, 'create'),
	update: (event) => save(event, 'update'),
	toggle: async (event) => {
		const form = await event.request.formData();
		const active = form.get('active') === 'true';
		return workspaceAction(event, { action: 'toggle', minRole: 'admin' }, async ({ tx }) => {
			const id = idSchema.safeParse(String(form.get('id') ?? ''));
			if (!id.success) return fail(400, { action: 'toggle', errors: { form: 'Choose a template from the list.' } });
			await setTemplateActive(tx, id.data, active);
			return { message: active ? 'Template activated.' : 'Template deactivated: new texts cannot use it.' };
		});
	},
	delete: async (event) => {
		const form = await event.request.formData();
		return workspaceAction(event, { action: 'delete', minRole: 'admin' }, async ({ tx }) => {
			const id = idSchema.safeParse(String(form.get('id') ?? ''));
			if (!id.success) return fail(400, { action: 'delete', errors: { form: 'Choose a template from the list.' } });
			await deleteTemplate(tx, id.data);
			return { message: 'Template deleted.' };
		});
	}
};
