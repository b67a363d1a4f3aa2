/**
 * `npm run bench`: runs every bench/*.bench.ts in one process on this machine, prints a table
 * and writes bench/results.json. Targets come from the issues; the numbers are measured.
 */
import { readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface BenchResult {
	name: string;
	value: number;
	unit: string;
	/** e.g. ">= 1000" or "< 10" */
	target?: string;
	notes?: string;
}

function meets(value: number, target?: string): string {
	if (!target) return '';
	const m = /^\s*(>=|<=|<|>)\s*([\d.]+)/.exec(target);
	if (!m) return '';
	const t = Number(m[2]);
	const ok = m[1] === '>=' ? value >= t : m[1] === '>' ? value > t : m[1] === '<=' ? value <= t : value < t;
	return ok ? 'yes' : 'NO';
}

const dir = path.resolve('bench');
const only = process.argv.slice(2);
const files = (await readdir(dir))
	.filter((f) => f.endsWith('.bench.ts'))
	.filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
	.sort();
const results: BenchResult[] = [];
for (const file of files) {
	process.stderr.write(`running ${file} …\n`);
	const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as { run: () => Promise<BenchResult[]> };
	results.push(...(await mod.run()));
}
const rows = results.map((r) => ({
	benchmark: r.name,
	value: Number(r.value.toFixed(2)),
	unit: r.unit,
	target: r.target ?? '',
	met: meets(r.value, r.target),
	notes: r.notes ?? ''
}));
console.table(rows);
await writeFile(
	path.join(dir, 'results.json'),
	JSON.stringify(
		{ at: new Date().toISOString(), machine: { cpus: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version }, results: rows },
		null,
		2
	) + '\n'
);
