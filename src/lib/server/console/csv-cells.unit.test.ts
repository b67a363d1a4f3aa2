import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { CELLS_KEPT, NodeCells } from './csv-cells.ts';

/** COPY-like output with placeholders, then the same cut into chunks at every byte offset. */
function sample(cells: NodeCells) {
	const m = cells.marker;
	return [
		`1,${m}p~0123,"a, ""quoted""\nbody",${m}e30003\n`,
		`2,"${m}pbad,""x""~0199",plain,\n`,
		`3,${m}u0000-user,=not a formula here,${m}e21211\n`,
		`4,${m}p~0123,long ${'x'.repeat(100)},${m}zunknown\n`
	].join('');
}

const kinds = () => ({
	p: { open: (data: string[]) => data.map((d) => `•••• ${d.slice(d.lastIndexOf('~') + 1)}`) },
	e: { open: (codes: string[]) => codes.map((c) => `title ${c}, long enough to be longer than its placeholder`) },
	u: { open: async (ids: string[]) => ids.map((id) => `=${id}@example.com`) },
	z: { open: () => [null] }
});

async function run(cells: NodeCells, input: Buffer, cuts: number[]): Promise<string> {
	const out: Buffer[] = [];
	let at = 0;
	for (const cut of [...cuts, input.length]) {
		out.push(await cells.push(Buffer.from(input.subarray(at, cut))));
		at = cut;
	}
	out.push(cells.end());
	return Buffer.concat(out).toString('utf8');
}

describe('NodeCells', () => {
	it('replaces each placeholder field with its cell (neutralised, quoted by csv-stringify), the rest byte for byte', async () => {
		const cells = new NodeCells(kinds());
		const text = await run(cells, Buffer.from(sample(cells)), []);
		expect(parse(text, { relax_column_count: true })).toEqual([
			['1', '•••• 0123', 'a, "quoted"\nbody', 'title 30003, long enough to be longer than its placeholder'],
			['2', '•••• 0199', 'plain', ''],
			['3', "'=0000-user@example.com", '=not a formula here', 'title 21211, long enough to be longer than its placeholder'],
			['4', '•••• 0123', `long ${'x'.repeat(100)}`, '']
		]);
	});

	it('gives the same file however the chunks are cut (at every byte, and at every pair of cuts 7 bytes apart)', async () => {
		const fresh = () => {
			const cells = new NodeCells(kinds());
			return { cells, input: Buffer.from(sample(cells)) };
		};
		const first = fresh();
		const whole = await run(first.cells, first.input, []);
		expect(whole).not.toContain(first.cells.marker);
		for (let cut = 1; cut < first.input.length; cut++) {
			const { cells, input } = fresh();
			expect(await run(cells, input, [cut]), `cut at ${cut}`).toBe(whole);
			const pair = fresh();
			const cuts = [cut, cut + 7].filter((c) => c < pair.input.length);
			expect(await run(pair.cells, pair.input, cuts), `cuts at ${cuts}`).toBe(whole);
		}
	});

	it('keeps the marker out of reach: random per export, hex only', () => {
		const a = new NodeCells(kinds());
		const b = new NodeCells(kinds());
		expect(a.marker).not.toBe(b.marker);
		expect(a.marker).toMatch(/^#[0-9a-f]{24}$/);
		expect(() => a.sql('q', 'x')).toThrow(/unknown cell kind/);
	});

	it("opens each cell once per export when a viewer's masks (every last four) and titles recur, row after row", async () => {
		let opened = 0;
		const cells = new NodeCells({
			p: { open: (data) => ((opened += data.length), data.map((d) => `•••• ${d.slice(1)}`)) },
			e: { open: (codes) => ((opened += codes.length), codes.map((c) => `title ${c}`)) }
		});
		const rows = (pass: number) =>
			Array.from({ length: 10_001 }, (_, n) => `${pass},${cells.marker}p~${n === 10_000 ? '' : String(n).padStart(4, '0')},${cells.marker}e${30000 + (n % 7)}\n`).join('');
		for (let pass = 0; pass < 3; pass++) await cells.push(Buffer.from(rows(pass)));
		cells.end();
		expect(CELLS_KEPT).toBeGreaterThan(10_001 + 7);
		expect(opened).toBe(10_001 + 7);
	});
});
