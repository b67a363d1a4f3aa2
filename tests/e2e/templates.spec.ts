import { expect, test } from '@playwright/test';
import { signIn } from './support/auth.ts';
import { connect, type Sql } from './support/db.ts';

/**
 * Templates (issue 13): the owner of the seeded "Demo" workspace writes a template; the editor
 * finds the variables as they are typed, previews with a sample value, highlights the curly
 * quote that forces UCS-2 and replaces it with the GSM-7 one, warns above one segment and
 * blocks above the workspace's limit; the template is saved, listed, and deleted after asking.
 */
const SLUG = 'demo';
let sql: Sql;
test.beforeAll(() => {
	sql = connect();
});
test.afterAll(async () => {
	await sql.end();
});

test('owner writes a template with a live preview, fixes a UCS-2 character, and deletes it', async ({ page }) => {
	test.setTimeout(120_000);
	const key = `e2e-${Date.now()}`;
	await signIn(page, 'admin@example.com', `/w/${SLUG}/templates`);
	const editor = page.getByTestId('template-editor-new');
	await editor.getByLabel('Key').fill(key);
	await editor.getByLabel('Name', { exact: true }).fill('E2E reminder');
	await editor.getByLabel('Message').fill('Hi {{name}}, it’s time');
	await expect(editor.getByTestId('template-variables')).toContainText('Variables (1)');
	await editor.getByLabel('Sample name').fill('Ada');
	const preview = editor.getByTestId('template-preview');
	await expect(preview).toContainText('Hi Ada, it’s time');
	await expect(editor.getByTestId('template-stats')).toHaveText(/UCS-2 · 1 segment · 17 characters/);
	await expect(preview.locator('mark').first()).toHaveText('’');
	await editor.getByRole('button', { name: 'Replace with “\'”' }).click();
	await expect(editor.getByLabel('Message')).toHaveValue("Hi {{name}}, it's time");
	await expect(editor.getByTestId('template-stats')).toHaveText(/GSM-7 · 1 segment/);

	// Over one segment: a warning; over the limit (3): blocked.
	await editor.getByLabel('Message').fill(`Hi {{name}} ${'x'.repeat(200)}`);
	await expect(editor.getByText(/sent as 2 segments/)).toBeVisible();
	await editor.getByLabel('Message').fill(`Hi {{name}} ${'x'.repeat(600)}`);
	await expect(editor.getByText(/the limit is 3/)).toBeVisible();
	await expect(editor.getByRole('button', { name: 'Create template' })).toBeDisabled();

	await editor.getByLabel('Message').fill("Hi {{name}}, it's time");
	await editor.getByRole('button', { name: 'Create template' }).click();
	await expect(page.getByText('Template "E2E reminder" created.')).toBeVisible();
	const row = page.getByTestId(`template-${key}`);
	await expect(row).toContainText('Used 0 times, last never');
	const [saved] = await sql`select template_vars from public.sms_templates t join public.organizations o on o.id = t.organization_id
		where o.slug = ${SLUG} and t.template_key = ${key}`;
	expect(saved.template_vars).toEqual(['name']);

	await row.getByText('Delete', { exact: true }).click();
	await row.getByRole('button', { name: 'Delete template' }).click();
	await expect(page.getByText('Template deleted.')).toBeVisible();
	await expect(page.getByTestId(`template-${key}`)).toHaveCount(0);
});
