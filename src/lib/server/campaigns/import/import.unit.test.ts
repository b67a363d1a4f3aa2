import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { importRecipients, ImportError, rejectedRowsCsv, type ImportOptions, type ImportReport } from './index.ts';

const encoder = new TextEncoder();

async function* chunks(...parts: (string | Uint8Array)[]): AsyncGenerator<Uint8Array> {
	for (const part of parts) yield typeof part === 'string' ? encoder.encode(part) : part;
}

function run(csv: string | Uint8Array[], options: Partial<ImportOptions> = {}): Promise<ImportReport> {
	const source = typeof csv === 'string' ? chunks(csv) : chunks(...csv);
	return importRecipients(source, { defaultCountry: 'US', ...options });
}

async function importError(promise: Promise<unknown>): Promise<ImportError> {
	const error = await promise.catch((e: unknown) => e);
	if (error instanceof ImportError) return error;
	throw new Error(`expected an ImportError, got ${String(error)}`);
}

/** A generated CSV, streamed in 64 KB chunks so the test never holds the whole file. */
async function* generated(rows: number, row: (i: number) => string, header = 'name,phone,notes\n'): AsyncGenerator<Uint8Array> {
	let buffer = header;
	for (let i = 0; i < rows; i += 1) {
		buffer += row(i);
		if (buffer.length >= 65_536) {
			yield encoder.encode(buffer);
			buffer = '';
		}
	}
	if (buffer) yield encoder.encode(buffer);
}

describe('limits', () => {
	it('refuses a file over 50 MB, in words, without reading it all', async () => {
		const notes = 'x'.repeat(280);
		let produced = 0;
		async function* big(): AsyncGenerator<Uint8Array> {
			for await (const chunk of generated(190_000, (i) => `P${i},+1415${String(5550000 + i).slice(-7)},${notes}\n`)) {
				produced += chunk.length;
				yield chunk;
			}
		}
		const error = await importError(importRecipients(big(), { defaultCountry: 'US' }));
		expect(error.code).toBe('too_large');
		expect(error.message).toBe('The file is larger than 50 MB. Split it into smaller files and import them one at a time.');
		expect(produced).toBeGreaterThan(50 * 1024 * 1024);
		expect(produced).toBeLessThan(50 * 1024 * 1024 + 200_000);
	}, 120_000);

	it('refuses more than 200,000 rows', async () => {
		const source = generated(200_001, (i) => `P,+1415${String(5550000 + (i % 9_000_000)).slice(-7)},\n`);
		const error = await importError(importRecipients(source, { defaultCountry: 'US' }));
		expect(error.code).toBe('too_many_rows');
		expect(error.message).toContain('more than 200,000 rows');
	}, 120_000);

	it('accepts exactly the row limit (blank lines do not count)', async () => {
		const r = await run('phone\n+14155552671\n\n\n+14155552672\n+14155552673\n', { limits: { maxRows: 3 } });
		expect(r.rows).toBe(3);
		await expect(run('phone\n+14155552671\n+14155552672\n+14155552673\n+14155552674\n', { limits: { maxRows: 3 } })).rejects.toThrow(ImportError);
	});

	it('refuses an empty file and a file of blank lines', async () => {
		expect((await importError(run(''))).code).toBe('empty');
		expect((await importError(run('\n\n  \n'))).code).toBe('empty');
	});
});

describe('sources', () => {
	it('reads an uploaded File / Blob stream, as the upload endpoint passes it', async () => {
		const file = new Blob(['phone,name\n+14155552671,Ada\n'], { type: 'text/csv' });
		const r = await importRecipients(file.stream(), { defaultCountry: 'US' });
		expect(r.recipients.map((x) => [x.phone, x.name])).toEqual([['+14155552671', 'Ada']]);
	});
});

describe('stopping early', () => {
	it.each([
		['no phone column', 'a,b\n', (n: number) => `x${n},y\n`, {}],
		['too many rows', 'phone\n', (n: number) => `+1415555${String(1000 + (n % 9000))}\n`, { limits: { maxRows: 100 } }]
	])('closes the upload when the import stops (%s)', async (_name, head, line, options) => {
		let closed = false;
		let endless = 0;
		async function* upload(): AsyncGenerator<Uint8Array> {
			try {
				yield encoder.encode(head);
				for (;;) {
					endless += 1;
					if (endless > 10_000) throw new Error('the import kept reading after it stopped');
					yield encoder.encode(line(endless));
				}
			} finally {
				closed = true;
			}
		}
		await expect(importRecipients(upload(), { defaultCountry: 'US', ...options })).rejects.toThrow(ImportError);
		expect(closed).toBe(true);
	});
});

describe('encodings', () => {
	it('reads a Windows-1252 file whose first non-ASCII byte comes after 64 KB of ASCII', async () => {
		const ascii = 'name,phone\n' + 'Bob,+14155552671\n'.repeat(5000);
		const tail = new Uint8Array([...encoder.encode('M'), 0xfc, ...encoder.encode('ller,+14155552672\n')]); // ü in cp1252
		const r = await run([encoder.encode(ascii), tail]);
		expect(r.encoding).toBe('windows-1252');
		expect(r.recipients.find((x) => x.phone === '+14155552672')?.name).toBe('Müller');
	});

	it('reads UTF-8 split in the middle of a character across chunks', async () => {
		const bytes = encoder.encode('name,phone\nJürgen,+14155552671\n');
		const cut = bytes.indexOf(0xc3) + 1;
		const r = await run([bytes.subarray(0, cut), bytes.subarray(cut)]);
		expect(r.encoding).toBe('utf-8');
		expect(r.recipients[0]?.name).toBe('Jürgen');
	});

	it('refuses a file that turns from UTF-8 into something else', async () => {
		const first = encoder.encode('name,phone\nJürgen,+14155552671\n');
		const second = new Uint8Array([0x4d, 0xfc, 0x2c, 0x2b, 0x31, 0x0a]);
		expect((await importError(run([first, second]))).code).toBe('mixed_encoding');
	});

	it('refuses binary data that has no known signature', async () => {
		const error = await importError(run([new Uint8Array([0x01, 0x02, 0x00, 0x41, 0x42])]));
		expect(error.code).toBe('not_text');
	});
});

describe('columns', () => {
	const csv = 'Contact,Cell phone number,Other\nAda,+14155552671,+14155559999\n';

	it('uses the phone column the caller chose, by header or position', async () => {
		expect((await run(csv, { phoneColumn: 'Other' })).recipients[0]?.phone).toBe('+14155559999');
		expect((await run(csv, { phoneColumn: 3 })).recipients[0]?.phone).toBe('+14155559999');
		expect((await run(csv)).phoneColumn).toBe('Cell phone number');
	});

	it('finds the phone column by content when no header says so', async () => {
		const r = await run('who,reach,note\nAda,415 555 2671,hi\nBob,415 555 2672,yo\n');
		expect(r.phoneColumn).toBe('reach');
	});

	it('names the columns when the chosen one does not exist', async () => {
		const error = await importError(run(csv, { phoneColumn: 'Mobile' }));
		expect(error.code).toBe('unknown_column');
		expect(error.message).toBe('There is no column "Mobile" for the phone number. The columns are: Contact, Cell phone number, Other.');
	});

	it('asks for the phone column when nothing looks like one', async () => {
		expect((await importError(run('a,b\nx,y\n'))).code).toBe('no_phone_column');
	});

	it('makes repeated headers distinct variables and lists template variables with no column', async () => {
		const r = await run('Name,Name,phone\nA,B,+14155552671\n', { body: 'Hi {{name}} {{name_2}} {{missing}}' });
		expect(r.columns.map((c) => c.variable)).toEqual(['name', 'name_2', 'phone']);
		expect(r.missingColumns).toEqual(['missing']);
		expect(r.invalid[0]).toMatchObject({ row: 2, code: 'missing_variable', reason: 'missing template variable: missing' });
	});

	it('refuses the phone number as a template variable: numbers are stored sealed, a text body is not', async () => {
		for (const body of ['Your number {{phone}}', 'Your number {{mobile}}']) {
			const r = await run('Name,mobile\nAnn,+14155552671\n', { body });
			expect(r.valid, body).toBe(0);
			expect(r.missingColumns, body).toEqual([body.includes('mobile') ? 'mobile' : 'phone']);
			expect(r.invalid[0], body).toMatchObject({ row: 2, code: 'missing_variable' });
			expect(r.invalid[0]?.reason, body).toMatch(/phone number cannot be put in the text/);
		}
	});

	it('refuses a row whose text would need more segments than allowed', async () => {
		const r = await run(`phone,msg\n+14155552671,${'x'.repeat(400)}\n+14155552672,short\n`, { body: '{{msg}}', maxSegments: 2 });
		expect(r.valid).toBe(1);
		expect(r.invalid[0]).toMatchObject({ row: 2, code: 'too_long', reason: 'rendered text needs 3 SMS segments (GSM-7); the limit is 2' });
	});

	it('reports an unclosed quote as a malformed file with the row', async () => {
		const error = await importError(run('name,phone\nAda,+14155552671\n"Bob,+14155552672\n'));
		expect(error.code).toBe('malformed_csv');
		expect(error.message).toContain('after row 2');
	});
});

describe('duplicates', () => {
	const csv = 'child,phone\nAmy,+14155552671\nBen,(415) 555-2671\nAmy,415.555.2671\n';

	it('keeps each number once by default', async () => {
		const r = await run(csv);
		expect(r.recipients.map((x) => x.row)).toEqual([2]);
		expect(r.duplicateRows).toEqual([
			{ row: 3, keptRow: 2, phone: '+14155552671', value: '(415) 555-2671' },
			{ row: 4, keptRow: 2, phone: '+14155552671', value: '415.555.2671' }
		]);
	});

	it('keeps a repeated number whose row differs, when asked, but never an identical row', async () => {
		const r = await run(csv, { duplicates: 'when_rows_differ' });
		expect(r.recipients.map((x) => x.row)).toEqual([2, 3]);
		expect(r.duplicateRows.map((d) => d.row)).toEqual([4]);
	});
});

describe('lookups and estimate', () => {
	const csv = 'phone,msg\n+14155552671,hi\n+14155552672,hi\n+14155552673,ж\n+447400123456,hello\n+15005550006,x\n';

	it('moves opted-out and over-cap numbers to the invalid rows, asking once per number', async () => {
		const asked: string[][] = [];
		const r = await run(csv + '+1 415 555 2671,hi\n', {
			lookup: {
				optedOut: async (phones) => {
					asked.push(phones);
					return new Set(['+14155552672']);
				},
				overCap: async () => new Set(['+14155552673'])
			}
		});
		expect(asked).toEqual([['+14155552671', '+14155552672', '+14155552673', '+447400123456', '+15005550006']]);
		expect(r.invalid.map((i) => [i.row, i.code, i.reason])).toEqual([
			[3, 'opted_out', 'opted out: this number replied STOP or was unsubscribed'],
			[4, 'over_cap', 'over the cap: this number has had as many texts as its limit allows']
		]);
		expect(r.valid).toBe(3);
		expect(r.valid + r.duplicates + r.invalid.length).toBe(r.rows);
	});

	it('estimates texts, segments and cost per country from the rendered rows', async () => {
		const r = await run(csv, {
			body: '{{msg}} {{msg}} ' + 'y'.repeat(150),
			prices: async (countries) =>
				new Map(
					countries.map((c) => [
						c,
						c === 'US'
							? { unitPrice: 0.0079, currency: 'USD', note: null }
							: { unitPrice: 0.0524, currency: 'USD', note: 'estimate from prices fetched 3 days ago' }
					])
				)
		});
		// US: two GSM rows of 156 chars (1 segment each), a Cyrillic one (UCS-2, 154 units: 3) and a
		// test number (1); GB: 162 GSM characters (2).
		expect(r.estimate).toEqual({
			texts: 5,
			segments: 8,
			byCountry: [
				{ country: 'US', texts: 4, segments: 6, unitPrice: 0.0079, currency: 'USD', cost: 0.0474, note: null },
				{ country: 'GB', texts: 1, segments: 2, unitPrice: 0.0524, currency: 'USD', cost: 0.1048, note: 'estimate from prices fetched 3 days ago' }
			]
		});
	});
});

describe('rejected rows CSV', () => {
	it('has the original cells, row and reason, with formulas neutralised', async () => {
		const r = await run('name,phone\n"=HYPERLINK(""http://x"")",not a number\nAda,+14155552671\n@SUM(1),+1 415 555 2671\n');
		const text = rejectedRowsCsv(r);
		expect(text.startsWith('\ufeff')).toBe(true);
		const rows = parse(text.slice(1)) as string[][];
		expect(rows).toEqual([
			['name', 'phone', 'row', 'reason'],
			["'=HYPERLINK(\"http://x\")", 'not a number', '2', 'not a phone number'],
			["'@SUM(1)", "'+1 415 555 2671", '4', 'duplicate of row 3 (same number)']
		]);
	});
});
