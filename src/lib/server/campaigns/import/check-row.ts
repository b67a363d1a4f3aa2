import { renderTemplate, TemplateError, type TemplateVars } from '@sms/twilio-service';
import type { ImportColumn } from './columns.ts';
import type { PhoneNormaliser } from './phone.ts';
import type { InvalidRow, Recipient } from './types.ts';

export interface RowPlan {
	columns: ImportColumn[];
	phone: number;
	name: number | null;
	timeZone: number | null;
	body?: string;
	requiredVars?: string[];
	maxSegments?: number;
}

export type RowOutcome =
	| { ok: true; recipient: Recipient; repaired: 'excel_scientific' | 'missing_plus' | null }
	| { ok: false; invalid: InvalidRow };

const zoneCache = new Map<string, boolean>();

function isTimeZone(zone: string): boolean {
	let known = zoneCache.get(zone);
	if (known === undefined) {
		try {
			new Intl.DateTimeFormat('en-US', { timeZone: zone });
			known = true;
		} catch {
			known = false;
		}
		if (zoneCache.size < 10_000) zoneCache.set(zone, known);
	}
	return known;
}

/** Checks one data row: its number, its time zone, and that the body renders with its cells. */
export function checkRow(plan: RowPlan, phones: PhoneNormaliser, row: number, values: string[]): RowOutcome {
	// Plain loops and no closures: this runs once per row of files up to 200,000 rows.
	const columns = plan.columns;
	const cells: string[] = new Array(columns.length);
	for (let i = 0; i < columns.length; i += 1) cells[i] = (values[(columns[i] as ImportColumn).index] ?? '').trim();
	const raw = cells[plan.phone] ?? '';
	const phone = phones.normalise(raw);
	if (!phone.ok) {
		return { ok: false, invalid: { row, column: header(plan, plan.phone), value: raw, reason: phone.reason, code: phone.code } };
	}
	const zone = plan.timeZone === null ? '' : (cells[plan.timeZone] ?? '');
	if (zone !== '' && !isTimeZone(zone)) {
		return {
			ok: false,
			invalid: {
				row,
				column: header(plan, plan.timeZone as number),
				value: zone,
				reason: 'not a time zone we recognise: use a name like America/New_York or Europe/London',
				code: 'invalid_time_zone'
			}
		};
	}
	let segments = 1;
	if (plan.body !== undefined) {
		const vars: TemplateVars = {};
		// Not the phone column: the number is stored sealed, and a rendered body is not (SQL renders
		// it at start, so {{phone}} would put the number in clear in every text's body).
		for (let i = 0; i < columns.length; i += 1) if (i !== plan.phone) vars[(columns[i] as ImportColumn).variable] = cells[i];
		try {
			segments = renderTemplate(plan.body, vars, {
				requiredVars: plan.requiredVars,
				maxSegments: plan.maxSegments
			}).segments.segments;
		} catch (error) {
			if (!(error instanceof TemplateError)) throw error;
			return { ok: false, invalid: templateProblem(plan, row, error) };
		}
	}
	const name = plan.name === null ? '' : (cells[plan.name] ?? '');
	return {
		ok: true,
		repaired: phone.repaired,
		recipient: {
			row,
			phone: phone.e164,
			country: phone.country,
			name: name === '' ? null : name,
			timeZone: zone === '' ? null : zone,
			values: cells,
			segments
		}
	};
}

function header(plan: RowPlan, index: number): string {
	return plan.columns[index]?.header ?? '';
}

function templateProblem(plan: RowPlan, row: number, error: TemplateError): InvalidRow {
	if (error.code === 'missing_variables' && error.missing.length > 0) {
		const variable = error.missing[0] as string;
		const column = plan.columns.find((c) => c.variable === variable);
		const isPhone = variable === 'phone' || column === plan.columns[plan.phone];
		return {
			row,
			column: column?.header ?? variable,
			value: '',
			reason: isPhone
				? `the phone number cannot be put in the text (numbers are stored encrypted): remove {{${variable}}}`
				: `missing template variable: ${error.missing.join(', ')}`,
			code: 'missing_variable'
		};
	}
	return { row, column: '', value: '', reason: lowerFirst(error.message), code: 'too_long' };
}

function lowerFirst(s: string): string {
	return s.charAt(0).toLowerCase() + s.slice(1);
}

