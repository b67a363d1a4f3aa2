export type Delimiter = ',' | ';' | '\t';

const CANDIDATES: readonly Delimiter[] = [',', ';', '\t'];
const SAMPLE_LINES = 50;

/**
 * Picks the delimiter from the start of the file: the candidate that splits the most lines into
 * the same number (> 1) of fields, counting only outside quotes (a quoted "Smith, John" must not
 * vote for the comma). European Excel writes `;`, "Unicode text" exports write tabs.
 */
export function detectDelimiter(sample: string): Delimiter {
	const counts = new Map<Delimiter, number[]>(CANDIDATES.map((d) => [d, []]));
	let inQuotes = false;
	let line = new Map<Delimiter, number>();
	let lines = 0;
	let nonBlank = false;
	const endLine = () => {
		if (nonBlank) {
			for (const d of CANDIDATES) counts.get(d)?.push(line.get(d) ?? 0);
			lines += 1;
		}
		line = new Map();
		nonBlank = false;
	};
	for (let i = 0; i < sample.length && lines < SAMPLE_LINES; i += 1) {
		const ch = sample[i] as string;
		if (ch === '"') {
			inQuotes = !inQuotes; // an escaped "" toggles twice: no change
			nonBlank = true;
		} else if (inQuotes) {
			continue;
		} else if (ch === '\n' || ch === '\r') {
			endLine();
		} else if (ch === ',' || ch === ';' || ch === '\t') {
			line.set(ch, (line.get(ch) ?? 0) + 1);
			nonBlank = true;
		} else if (ch !== ' ') {
			nonBlank = true;
		}
	}
	endLine();
	let best: Delimiter = ',';
	let bestScore = 0;
	for (const d of CANDIDATES) {
		const score = consistency(counts.get(d) ?? []);
		if (score > bestScore) {
			best = d;
			bestScore = score;
		}
	}
	return best;
}

/** Lines that have the most common non-zero field-separator count, weighted by that count a little. */
function consistency(perLine: number[]): number {
	const freq = new Map<number, number>();
	for (const n of perLine) if (n > 0) freq.set(n, (freq.get(n) ?? 0) + 1);
	let score = 0;
	for (const [n, lines] of freq) score = Math.max(score, lines + Math.min(n, 10) / 100);
	return score;
}
