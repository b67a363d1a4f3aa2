/**
 * One rule in two places: which base URL a workspace's HTTP provider may have. The database
 * refuses it on write (workspace_providers_base_url_check); the worker asks checkProviderBaseUrl
 * again right before each call. Both must agree on every case below.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@sms/db/testing';
import { checkProviderBaseUrl } from '@sms/providers';
import { createWorkspaces, type Workspaces } from './workspace-fixtures.ts';

let t: TestDatabase;
let w: Workspaces;

beforeAll(async () => {
	t = await createTestDatabase();
	w = await createWorkspaces(t.sql, 'url');
});
afterAll(async () => {
	await t?.close();
});

const CASES = [
	'https://api.sms-retail.example',
	'https://api.sms-retail.example/v1-base/',
	'https://10.0.0.5:8443',
	'https://[2001:db8::1]:8443/x',
	'http://127.0.0.1:5801/sms-retail',
	'http://127.0.0.1',
	'http://localhost:5801',
	'http://[::1]:5801/x',
	'http://api.sms-retail.example',
	'http://169.254.169.254/latest',
	'http://10.0.0.5',
	'http://localhost.evil.example',
	'http://127.0.0.1.nip.io',
	'http://127.0.0.1@evil.example',
	'https://user:pw@api.example',
	'https://api.example/?q=1',
	'https://api.example/#x',
	'https://api.example/a b',
	'https://api.example/%2e%2e',
	'HTTPS://api.example',
	'ftp://api.example',
	'file:///etc/passwd',
	'javascript:alert(1)',
	' https://api.example',
	`https://${'a'.repeat(484)}.example`,
	`https://${'a'.repeat(485)}.example`
];

async function databaseAccepts(url: string): Promise<boolean> {
	try {
		await t.sql.begin(async (tx) => {
			await tx`insert into public.workspace_providers (organization_id, provider, position, base_url)
			         values (${w.a}, 'sms-retail', 1, ${url})`;
			throw new Error('rollback');
		});
		return false;
	} catch (error) {
		if (error instanceof Error && error.message === 'rollback') return true;
		if ((error as { code?: string }).code === '23514') return false;
		throw error;
	}
}

describe('provider base URL: SQL check and worker check', () => {
	it.each(CASES)('agree on %s', async (url) => {
		expect(checkProviderBaseUrl(url).ok).toBe(await databaseAccepts(url));
	});

	it('cover both answers', async () => {
		const answers = new Set(CASES.map((url) => checkProviderBaseUrl(url).ok));
		expect(answers).toEqual(new Set([true, false]));
	});
});
