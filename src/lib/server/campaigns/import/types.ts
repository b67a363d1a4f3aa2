import type { CountryCode } from 'libphonenumber-js';
import type { TextEncoding } from './decode.ts';
import type { Delimiter } from './delimiter.ts';
import type { ImportColumn } from './columns.ts';
import type { ImportLimits } from './limits.ts';

export type InvalidCode =
	| 'missing_phone'
	| 'not_a_phone_number'
	| 'excel_damaged'
	| 'landline'
	| 'not_mobile'
	| 'invalid_time_zone'
	| 'missing_variable'
	| 'too_long'
	| 'opted_out'
	| 'over_cap';

/** One refused row, as the report shows it: the reason is words for a person. */
export interface InvalidRow {
	row: number;
	/** Header of the column at fault. */
	column: string;
	value: string;
	reason: string;
	code: InvalidCode;
}

export interface DuplicateRow {
	row: number;
	/** The row whose number was kept. */
	keptRow: number;
	phone: string;
	value: string;
}

/** A row that will be texted. `values` are the file's cells, aligned with `columns`. */
export interface Recipient {
	row: number;
	phone: string;
	country: string | null;
	name: string | null;
	timeZone: string | null;
	values: string[];
	segments: number;
}

/** Answers about numbers from the database; injected so the pipeline stays pure and testable. */
export interface RecipientLookup {
	/** Numbers (E.164) that replied STOP or were opted out. */
	optedOut(phones: string[]): Promise<Set<string>>;
	/** Numbers that have reached their daily (or campaign) cap. */
	overCap?(phones: string[]): Promise<Set<string>>;
}

export interface CountryPrice {
	/** Price per segment, or null when no price is known at all. */
	unitPrice: number | null;
	currency: string;
	/** Said beside the estimate when the price is not fresh, e.g. "estimate from prices fetched 3 days ago". */
	note: string | null;
}

export type PriceLookup = (countries: string[]) => Promise<Map<string, CountryPrice>>;

export interface ImportOptions {
	defaultCountry: CountryCode;
	/** Header, variable name or 1-based position; detected when absent. */
	phoneColumn?: string | number;
	/** null: the file has no name column (no detection). */
	nameColumn?: string | number | null;
	timeZoneColumn?: string | number | null;
	/** The template (or one-off) body: each row is rendered to check variables and count segments. */
	body?: string;
	requiredVars?: string[];
	maxSegments?: number;
	/** 'when_rows_differ' keeps a repeated number whose other cells differ (e.g. two children, one parent). */
	duplicates?: 'drop' | 'when_rows_differ';
	limits?: Partial<ImportLimits>;
	lookup?: RecipientLookup;
	prices?: PriceLookup;
}

export interface CountryEstimate {
	country: string;
	texts: number;
	segments: number;
	unitPrice: number | null;
	currency: string;
	cost: number | null;
	note: string | null;
}

export interface ImportEstimate {
	texts: number;
	segments: number;
	/** Largest group first. */
	byCountry: CountryEstimate[];
}

export interface ImportReport {
	/** Data rows read (blank lines not counted). */
	rows: number;
	valid: number;
	duplicates: number;
	invalid: InvalidRow[];
	duplicateRows: DuplicateRow[];
	columns: ImportColumn[];
	phoneColumn: string;
	nameColumn: string | null;
	timeZoneColumn: string | null;
	/** `{{variables}}` the body uses that no column provides. */
	missingColumns: string[];
	encoding: TextEncoding;
	delimiter: Delimiter;
	hasHeader: boolean;
	/** Numbers repaired on the way in, counted: the report says so. */
	repaired: { excelScientific: number; missingPlus: number };
	estimate: ImportEstimate;
	recipients: Recipient[];
	/** Original cells of every refused or duplicate row, for the rejected-rows download. */
	rejected: { row: number; values: string[]; reason: string }[];
}
