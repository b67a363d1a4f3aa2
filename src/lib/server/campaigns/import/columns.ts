import type { PhoneNormaliser } from './phone.ts';

export type ColumnRole = 'phone' | 'name' | 'time_zone' | 'variable';

export interface ImportColumn {
	/** 0-based position in the file. */
	index: number;
	/** The header as written (or "Column 3" when the file has no header row). */
	header: string;
	/** The `{{variable}}` name templates use for this column. */
	variable: string;
	role: ColumnRole;
}

const PHONE_HEADER =
	/^(phone|mobile|cell|tel|telephone|msisdn|sms|handy|portable|celular|telefone|telefono|téléphone|telefon|whatsapp)([ _-]?(number|no|nr|#))?$|^(number|to|recipient)$/i;
const PHONE_WORD = /phone|mobile|cell|msisdn|whats ?app/i;
const NAME_HEADER = /^(full[ _-]?)?name$|^(first[ _-]?name|given[ _-]?name|nom|nombre|vorname|prénom)$/i;
const TZ_HEADER = /^(time[ _-]?zone|tz|timezone|zone)$/i;

/**
 * Variable name for a header: lower case, words joined by `_`, so "First Name" is `{{first_name}}`.
 * Accents are dropped ("Prénom" → prenom); a name that would not be a valid placeholder gets
 * a `column_N` name instead.
 */
export function variableName(header: string, index: number): string {
	const slug = header
		.normalize('NFKD')
		.replace(/[\u0300-\u036f]/g, '')
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, '_')
		.replace(/^_+|_+$/g, '');
	if (slug === '') return `column_${index + 1}`;
	return /^[a-z_]/.test(slug) ? slug : `column_${slug}`;
}

/** Columns of a header row, names made unique (a second "Name" becomes `name_2`). */
export function headerColumns(header: string[]): ImportColumn[] {
	const seen = new Map<string, number>();
	return header.map((raw, index) => {
		const text = raw.trim();
		let variable = variableName(text, index);
		const count = (seen.get(variable) ?? 0) + 1;
		seen.set(variable, count);
		if (count > 1) variable = `${variable}_${count}`;
		return { index, header: text === '' ? `Column ${index + 1}` : text, variable, role: 'variable' };
	});
}

export function anonymousColumns(count: number): ImportColumn[] {
	return Array.from({ length: count }, (_, index) => ({
		index,
		header: `Column ${index + 1}`,
		variable: `column_${index + 1}`,
		role: 'variable' as const
	}));
}

/** Whether a first row is data rather than a header: one of its cells is a phone number. */
export function looksLikeData(values: string[], phones: PhoneNormaliser): boolean {
	return values.some((v) => /\d{6,}/.test(v.replace(/[\s().\-/]/g, '')) && phones.normalise(v).ok);
}

/** The phone column: by header first, else the column whose sampled values are mostly phone numbers. */
export function detectPhoneColumn(columns: ImportColumn[], sample: string[][], phones: PhoneNormaliser): number | null {
	const byHeader = columns.find((c) => PHONE_HEADER.test(c.header)) ?? columns.find((c) => PHONE_WORD.test(c.header));
	if (byHeader) return byHeader.index;
	let best: { index: number; share: number } | null = null;
	for (const column of columns) {
		const values = sample.map((row) => row[column.index] ?? '').filter((v) => v.trim() !== '');
		if (values.length === 0) continue;
		const share = values.filter((v) => phones.normalise(v).ok).length / values.length;
		if (share >= 0.5 && (!best || share > best.share)) best = { index: column.index, share };
	}
	return best?.index ?? null;
}

export function detectColumn(columns: ImportColumn[], role: 'name' | 'time_zone'): number | null {
	const pattern = role === 'name' ? NAME_HEADER : TZ_HEADER;
	return columns.find((c) => c.role === 'variable' && pattern.test(c.header))?.index ?? null;
}

/**
 * Resolves a column the caller chose, by header text, variable name or 1-based position
 * (what a person sees), or null when nothing matches.
 */
export function findColumn(columns: ImportColumn[], choice: string | number): number | null {
	if (typeof choice === 'number') return columns[choice - 1]?.index ?? null;
	const wanted = choice.trim().toLowerCase();
	const match = columns.find((c) => c.header.toLowerCase() === wanted || c.variable === wanted);
	if (match) return match.index;
	return /^\d+$/.test(wanted) ? (columns[Number(wanted) - 1]?.index ?? null) : null;
}
