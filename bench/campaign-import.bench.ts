/**
 * Campaign import: a 100,000-row recipients CSV (mixed phone formats, 5 % invalid rows, 5 %
 * duplicates in another format) through importRecipients — decode, parse, normalise, validate,
 * render the template per row, dedupe and estimate the cost by country. Its peer, measured in
 * the same run on the same file, is csv-parse alone streaming the records: the ceiling any
 * import built on it can reach. Server RSS growth is sampled during the import.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parse } from 'csv-parse';
import { importRecipients, type ImportReport } from '../src/lib/server/campaigns/import/index.ts';
import type { BenchResult } from '../scripts/bench.ts';

const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 100_000);
const BODY = 'Hi {{name}}, your appointment in {{city}} is on {{appointment}}. Reply STOP to opt out.';
const CITIES = ['San Francisco', 'New York', 'Chicago', 'Zürich', 'São Paulo', 'London'];
const INVALID = ['not a number', '555', '1.41555E+10', '+44 20 7183 8750', '+1 415 555'];

function say(message: string): void {
	process.stderr.write(`  campaign-import: ${message}\n`);
}

/** The i-th unique number, written in one of the ways people (and Excel) write numbers. */
function phone(i: number, style: number): string {
	const exchange = 200 + (Math.floor(i / 10_000) % 800);
	const line = String(i % 10_000).padStart(4, '0');
	switch (style % 5) {
		case 0: return `+1415${exchange}${line}`;
		case 1: return `(415) ${exchange}-${line}`;
		case 2: return `415.${exchange}.${line}`;
		case 3: return `1415${exchange}${line}`;
		default: return i % 2 ? `+44 7400 ${String(100_000 + (i % 900_000)).slice(0, 6)}` : `+1 415 ${exchange} ${line}`;
	}
}

async function generate(file: string): Promise<{ invalid: number; duplicates: number }> {
	const lines = ['name,phone,city,appointment'];
	let invalid = 0;
	let duplicates = 0;
	for (let i = 0; i < ROWS; i += 1) {
		let number: string;
		if (i % 20 === 0) {
			number = INVALID[(i / 20) % INVALID.length] as string;
			invalid += 1;
		} else if (i % 20 === 2) {
			number = phone(i - 1, i + 1); // the previous row's number, written differently
			duplicates += 1;
		} else {
			number = phone(i, i);
		}
		const name = i % 7 === 0 ? `"Lee, Ann ${i}"` : `Person ${i}`;
		lines.push(`${name},${number},${CITIES[i % CITIES.length]},2026-12-${String(1 + (i % 28)).padStart(2, '0')} 10:00`);
	}
	await writeFile(file, lines.join('\n') + '\n');
	return { invalid, duplicates };
}

async function rawParse(file: string): Promise<{ ms: number; records: number }> {
	const started = performance.now();
	let records = 0;
	for await (const _record of createReadStream(file).pipe(parse({ relax_column_count: true }))) records += 1;
	return { ms: performance.now() - started, records };
}

async function timedImport(file: string): Promise<{ ms: number; rssGrowthMb: number; report: ImportReport }> {
	const before = process.memoryUsage().rss;
	let peak = before;
	const sampler = setInterval(() => {
		peak = Math.max(peak, process.memoryUsage().rss);
	}, 10);
	const started = performance.now();
	const report = await importRecipients(createReadStream(file), {
		defaultCountry: 'US',
		body: BODY,
		prices: async (countries) => new Map(countries.map((c) => [c, { unitPrice: c === 'US' ? 0.0079 : 0.0524, currency: 'USD', note: null }]))
	});
	const ms = performance.now() - started;
	clearInterval(sampler);
	peak = Math.max(peak, process.memoryUsage().rss);
	return { ms, rssGrowthMb: (peak - before) / 2 ** 20, report };
}

export async function run(): Promise<BenchResult[]> {
	const dir = await mkdtemp(path.join(os.tmpdir(), 'sms-bench-import-'));
	const file = path.join(dir, 'recipients.csv');
	try {
		const planted = await generate(file);
		const size = (await stat(file)).size / 2 ** 20;
		say(`${ROWS.toLocaleString('en')} rows, ${size.toFixed(1)} MB, ${planted.invalid} invalid, ${planted.duplicates} duplicates planted`);

		// Cold first (what the first upload after a deploy pays), then the measured pair.
		const cold = await timedImport(file);
		const peer = await rawParse(file);
		const warm = await timedImport(file);
		const { report } = warm;
		if (report.rows !== ROWS || report.invalid.length !== planted.invalid || report.duplicates !== planted.duplicates) {
			throw new Error(
				`import report is wrong: ${report.rows} rows, ${report.invalid.length} invalid, ${report.duplicates} duplicates`
			);
		}
		say(`import ${warm.ms.toFixed(0)} ms (cold ${cold.ms.toFixed(0)} ms), csv-parse alone ${peer.ms.toFixed(0)} ms`);
		return [
			{
				name: 'campaign import, 100k rows (parse+normalise+validate+dedupe+estimate)',
				value: warm.ms / 1000,
				unit: 's',
				peer: { name: `csv-parse alone streaming the same ${size.toFixed(1)} MB file (ceiling)`, value: peer.ms / 1000 },
				target: '<= 3',
				notes: `cold ${(cold.ms / 1000).toFixed(2)} s; ${report.valid} valid, ${report.invalid.length} invalid, ${report.duplicates} duplicates, ${report.estimate.segments} segments`
			},
			{
				name: 'campaign import RSS growth',
				value: Math.max(cold.rssGrowthMb, warm.rssGrowthMb),
				unit: 'MB',
				target: '< 300',
				notes: `peak over the process RSS before each import (cold ${cold.rssGrowthMb.toFixed(0)} MB, warm ${warm.rssGrowthMb.toFixed(0)} MB); memory has no CPU-load peer`
			}
		];
	} finally {
		await rm(dir, { recursive: true, force: true });
	}
}
