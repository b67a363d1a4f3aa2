/**
 * `npm run bench`: runs every bench/*.bench.ts in one process on this machine, prints a table
 * and writes bench/results.json. Each figure stands beside a peer or ceiling measured in the same
 * run (graphile-worker, the raw SQL write, the ideal drain rate); results.json carries value,
 * peerValue and ratio (value ÷ peer) for each. Targets come from the issues.
 */
import { readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface BenchResult {
	name: string;
	value: number;
	unit: string;
	/**
	 * The peer or ceiling measured in the same run, in the same unit. On a shared machine the
	 * absolute figures move with the neighbours' load; the ratio value ÷ peer holds.
	 */
	peer?: { name: string; value: number };
	/** e.g. ">= 1000" or "< 10", on the value. */
	target?: string;
	/** e.g. ">= 1.5", on the ratio value ÷ peer. */
	ratioTarget?: string;
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
const failures: { file: string; error: string }[] = [];
for (const file of files) {
	process.stderr.write(`running ${file} …\n`);
	try {
		const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as { run: () => Promise<BenchResult[]> };
		results.push(...(await mod.run()));
	} catch (error) {
		// One benchmark that fails (a stalled drain on an overloaded machine) must not lose the
		// figures the others measured: report it, keep going, exit non-zero at the end.
		const message = error instanceof Error ? error.message : String(error);
		process.stderr.write(`  ${file} failed: ${message}\n`);
		failures.push({ file, error: message });
	}
}
const round = (n: number) => Number(n.toFixed(n !== 0 && Math.abs(n) < 1 ? 3 : 2));
const rows = results.map((r) => {
	const ratio = r.peer && r.peer.value !== 0 ? r.value / r.peer.value : null;
	return {
		benchmark: r.name,
		ratio: ratio === null ? null : round(ratio),
		peer: r.peer?.name ?? '',
		value: round(r.value),
		peerValue: r.peer ? round(r.peer.value) : null,
		unit: r.unit,
		target: [r.ratioTarget ? `ratio ${r.ratioTarget}` : '', r.target ?? ''].filter(Boolean).join('; '),
		met: [ratio === null ? '' : meets(ratio, r.ratioTarget), meets(r.value, r.target)].filter(Boolean).join('; '),
		notes: r.notes ?? ''
	};
});
console.table(rows);
await writeFile(
	path.join(dir, 'results.json'),
	JSON.stringify(
		{
			at: new Date().toISOString(),
			machine: { cpus: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadAverage: os.loadavg() },
			results: rows,
			failures
		},
		null,
		2
	) + '\n'
);
if (failures.length > 0) process.exitCode = 1;
