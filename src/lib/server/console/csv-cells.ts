import { randomBytes } from 'node:crypto';
import { csvField, type Cell } from './csv-records.ts';

/**
 * The cells of a COPY-written CSV that only Node can make — a number opened with keys that never
 * reach SQL, an error's title from the catalogue, a user's e-mail, a payload's sealed fields —
 * written by SQL as placeholders and replaced as the bytes stream past.
 *
 * A placeholder is a whole field: the export's marker (random per export, so no text in the
 * database can forge one), one letter for the kind, then the kind's data. SQL keeps that data to
 * characters COPY never quotes (uuids, digits, hex, sealed values), so the field is unquoted and
 * ends at the next comma or line end. A value that breaks that promise (a corrupted sealed
 * number) gets quoted by COPY; the field is then read to its closing quote instead.
 */
export interface CellKind {
	/** The kind's cells for these data (distinct, not seen recently), in order. */
	open(data: string[]): Cell[] | Promise<Cell[]>;
}

export type CellKinds = Record<string, CellKind>;

/**
 * Finished cells kept per export (numbers, titles, e-mails seen again on later rows), a few MB at
 * most. Above every mask a viewer can see (10,001: each last four digits, and none) with room for
 * titles and e-mails: when the cells in use outnumber it, the whole set is opened again after each
 * start-over, and those short-lived cells, promoted to the old heap, were most of an export's RSS
 * growth (1M texts to 10,000 numbers: +143 MiB, the memo starting over every ~10,000 rows).
 */
export const CELLS_KEPT = 20_000;

const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;

export class NodeCells {
	/** The marker, as SQL text (hex, safe to write into a statement as it is). */
	readonly marker = `#${randomBytes(12).toString('hex')}`;
	readonly #needle = Buffer.from(this.marker, 'latin1');
	readonly #kinds: CellKinds;
	readonly #kept = new Map<string, Buffer>();
	#carry: Buffer | null = null;

	constructor(kinds: CellKinds) {
		for (const k of Object.keys(kinds)) if (!/^[a-z]$/.test(k)) throw new Error(`a cell kind is one letter a-z, not "${k}"`);
		this.#kinds = kinds;
	}

	/** SQL for a placeholder field: `data` is an SQL expression (null → an empty field). */
	sql(kind: string, data: string): string {
		if (!(kind in this.#kinds)) throw new Error(`unknown cell kind "${kind}"`);
		return `('${this.marker}${kind}' || (${data}))`;
	}

	/**
	 * The bytes of the next chunk of COPY output with its placeholders replaced; a placeholder
	 * cut by the chunk's end waits for the next chunk (as do the last bytes, which may begin one).
	 * Synchronous when every placeholder's cell is kept already (most chunks: numbers, titles and
	 * e-mails repeat), so the bytes pass without a trip through the microtask queue.
	 */
	push(chunk: Buffer): Buffer | Promise<Buffer> {
		const buf = this.#carry ? Buffer.concat([this.#carry, chunk]) : chunk;
		this.#carry = null;
		const starts: number[] = [];
		const ends: number[] = [];
		const keys: string[] = [];
		let pos = 0;
		let done = buf.length;
		for (let i = buf.indexOf(this.#needle, pos); i !== -1; i = buf.indexOf(this.#needle, pos)) {
			if (!this.#field(buf, i)) {
				done = i > 0 && buf[i - 1] === QUOTE ? i - 1 : i;
				break;
			}
			starts.push(this.#start);
			ends.push(this.#end);
			keys.push(this.#key);
			pos = this.#end;
		}
		// (With the byte before: a quote there says the placeholder is quoted.)
		if (done === buf.length) done = Math.max(pos, buf.length - this.#needle.length);
		if (done < buf.length) this.#carry = Buffer.from(buf.subarray(done));
		if (keys.length === 0) return buf.subarray(0, done);
		const cells: Buffer[] = new Array<Buffer>(keys.length);
		let missing = false;
		for (let n = 0; n < keys.length; n++) {
			const kept = this.#kept.get(keys[n]!);
			if (kept === undefined) missing = true;
			else cells[n] = kept;
		}
		// The chunk is this export's own copy (copyBatches): when each cell is no longer than its
		// placeholder (a mask, a number, a title, an e-mail usually are), the chunk is rewritten
		// in place, left to right (writing never passes reading) — no new buffer per chunk, nothing for the garbage
		// collector. Else one new buffer, the pieces copied in.
		const build = () => {
			let size = done;
			let fits = true;
			for (let n = 0; n < keys.length; n++) {
				const grows = cells[n]!.length - (ends[n]! - starts[n]!);
				size += grows;
				if (grows > 0) fits = false;
			}
			const out = fits ? buf : Buffer.allocUnsafe(size);
			let at = 0;
			let to = 0;
			for (let n = 0; n < keys.length; n++) {
				if (out === buf) buf.copyWithin(to, at, starts[n]);
				else out.set(buf.subarray(at, starts[n]), to);
				to += starts[n]! - at;
				out.set(cells[n]!, to);
				to += cells[n]!.length;
				at = ends[n]!;
			}
			if (out === buf) buf.copyWithin(to, at, done);
			else out.set(buf.subarray(at, done), to);
			return out.subarray(0, size);
		};
		return missing ? this.#open(keys, cells).then(build) : build();
	}

	/** Anything held back at the end of the file (complete by then). */
	end(): Buffer {
		const rest = this.#carry ?? Buffer.alloc(0);
		this.#carry = null;
		if (rest.indexOf(this.#needle) !== -1) throw new Error('the export ended inside a placeholder cell');
		return rest;
	}

	#start = 0;
	#end = 0;
	#key = '';

	/** The placeholder at `i`: its field's bounds and `kind + data` (#start, #end, #key); false when the chunk cuts it. */
	#field(buf: Buffer, i: number): boolean {
		const from = i + this.#needle.length;
		if (i > 0 && buf[i - 1] === QUOTE) {
			// Quoted by COPY: to the closing quote ("" is a quote inside).
			for (let j = from; ; ) {
				const q = buf.indexOf(QUOTE, j);
				if (q === -1 || q + 1 >= buf.length) return false;
				if (buf[q + 1] === QUOTE) {
					j = q + 2;
					continue;
				}
				this.#start = i - 1;
				this.#end = q + 1;
				this.#key = buf.toString('utf8', from, q).replaceAll('""', '"');
				return true;
			}
		}
		let end = from;
		while (end < buf.length && buf[end] !== COMMA && buf[end] !== LF && buf[end] !== CR) end++;
		if (end === buf.length) return false;
		this.#start = i;
		this.#end = end;
		this.#key = buf.toString('latin1', from, end);
		return true;
	}

	/** The cells not kept yet (`cells` holes), opened kind by kind, each kept for later rows. */
	async #open(keys: string[], cells: Buffer[]): Promise<void> {
		const missing = new Map<string, Set<string>>();
		keys.forEach((k, n) => {
			if (cells[n] !== undefined) return;
			const kind = k.charAt(0);
			let set = missing.get(kind);
			if (!set) missing.set(kind, (set = new Set()));
			set.add(k.slice(1));
		});
		const opened = new Map<string, Buffer>();
		for (const [kind, set] of missing) {
			const handler = this.#kinds[kind];
			const data = [...set];
			const shown = handler ? await handler.open(data) : data.map(() => null);
			data.forEach((d, n) => {
				const bytes = Buffer.from(csvField(shown[n] ?? null), 'utf8');
				opened.set(kind + d, bytes);
				if (this.#kept.size >= CELLS_KEPT) this.#kept.clear();
				this.#kept.set(kind + d, bytes);
			});
		}
		keys.forEach((k, n) => {
			cells[n] ??= opened.get(k)!;
		});
	}
}
