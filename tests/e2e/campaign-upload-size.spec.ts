import { expect, test } from '@playwright/test';
import { signInRequest } from './support/auth.ts';
import { e2e } from './support/env.ts';

/**
 * Campaign CSVs up to 50 MB through the production build (adapter-node refuses bodies over
 * 512 KB unless BODY_SIZE_LIMIT says otherwise; npm start sets it): a file just under 50 MB is
 * imported, one just over is refused with 413 and a sentence saying what to do.
 */
const SLUG = 'demo';
const MB = 1024 * 1024;

/** A CSV of `bytes` bytes (within a row): phone, name and a padding note, about 270 bytes a row (under 200,000 rows). */
function csvOf(bytes: number): Buffer {
	const header = 'phone,name,note\n';
	const note = 'x'.repeat(245);
	const rows: string[] = [header];
	let size = header.length;
	for (let i = 0; size < bytes; i++) {
		// (212) 200-0000 onwards: valid US numbers, all different.
		const row = `+1212${String(2_000_000 + i)},Person ${i},${note}\n`;
		rows.push(row);
		size += row.length;
	}
	return Buffer.from(rows.join(''));
}

test.describe('campaign uploads through the built server', () => {
	test.setTimeout(240_000);

	test('a CSV of almost 50 MB is imported; one over 50 MB gets 413 with a readable message', async ({ request }) => {
		await signInRequest(request, 'admin@example.com');
		const post = (file: Buffer) =>
			request.post(`${e2e.baseUrl}/api/w/${SLUG}/campaigns/imports`, {
				headers: { origin: e2e.baseUrl },
				multipart: { file: { name: 'big.csv', mimeType: 'text/csv', buffer: file }, defaultCountry: 'US' },
				timeout: 200_000
			});

		const big = csvOf(50 * MB - 64 * 1024);
		expect(big.length).toBeGreaterThan(49.9 * MB);
		const ok = await post(big);
		const body = await ok.text();
		expect(ok.status(), body.slice(0, 500)).toBe(201);
		const report = JSON.parse(body) as { rows: number; valid: number; importId: string };
		expect(report.rows).toBeGreaterThan(180_000);
		expect(report.valid).toBe(report.rows);

		const over = await post(csvOf(50 * MB + 300 * 1024));
		expect(over.status()).toBe(413);
		expect(await over.json()).toMatchObject({ error: { code: 'too_large', message: expect.stringMatching(/over 50 MB.*split/i) } });
	});
});
