import { phoneCipher, sealImportReport, type Db, type TransactionSql } from '@sms/db';
import { shownText } from '$lib/server/phones/view';
import { isSupportedCountry, type CountryCode } from 'libphonenumber-js';
import { z } from 'zod';
import type { WorkspaceContext } from '$lib/server/workspaces/context';
import { IMPORT_LIMITS, ImportError, importRecipients, type ImportReport, type PriceLookup } from '../import/index.ts';
import { sealE164 } from '$lib/server/phones/input';
import { CampaignApiError } from './errors.ts';

export interface ImportDeps {
	db: Db;
	prices?: PriceLookup;
	limits?: { maxBytes?: number; maxRows?: number };
}

/** What POST /api/w/[slug]/campaigns/imports answers (issue 13's shape, plus the report's details). */
export interface ImportResponse {
	importId: string;
	rows: number;
	valid: number;
	duplicates: number;
	invalid: { row: number; column: string; value: string; reason: string; code: string }[];
	columns: { header: string; variable: string; role: string }[];
	phoneColumn: string;
	nameColumn: string | null;
	timeZoneColumn: string | null;
	missingColumns: string[];
	estimate: ImportReport['estimate'];
	expiresAt: string;
}

const columnRef = z
	.string()
	.trim()
	.min(1)
	.max(200)
	.transform((v) => (/^\d+$/.test(v) ? Number(v) : v));

const optionsSchema = z.object({
	defaultCountry: z
		.string()
		.trim()
		.toUpperCase()
		.refine((c) => /^[A-Z]{2}$/.test(c) && isSupportedCountry(c), 'Use a two-letter country code such as US or GB.')
		.optional(),
	phoneColumn: columnRef.optional(),
	nameColumn: columnRef.optional(),
	timeZoneColumn: columnRef.optional(),
	dedupe: z.enum(['drop', 'when_rows_differ'], { message: 'Use "drop" (keep each number once) or "when_rows_differ".' }).optional(),
	body: z.string().max(1600, 'The body is over 1,600 characters.').optional(),
	templateId: z.uuid('Give the template id (a UUID).').optional()
});

function fieldError(issue: z.core.$ZodIssue): CampaignApiError {
	const field = String(issue.path[0] ?? 'options');
	return new CampaignApiError({ status: 422, code: 'invalid', field, message: `${field}: ${issue.message}` });
}

/** The multipart form (a `file` and the options as text fields), refused field by field. */
async function readForm(request: Request): Promise<{ file: File; options: z.infer<typeof optionsSchema> }> {
	const type = request.headers.get('content-type') ?? '';
	if (!type.toLowerCase().startsWith('multipart/form-data')) {
		throw new CampaignApiError({ status: 415, code: 'unsupported_media_type', field: 'file', message: 'Send the CSV as multipart/form-data with a "file" field.' });
	}
	const declared = Number(request.headers.get('content-length') ?? NaN);
	if (Number.isFinite(declared) && declared > IMPORT_LIMITS.maxBytes + 64 * 1024) {
		throw new CampaignApiError({ status: 413, code: 'too_large', field: 'file', message: 'The file is over 50 MB. Split the list into smaller files.' });
	}
	let form: FormData;
	try {
		form = await request.formData();
	} catch (error) {
		if ((error as { status?: unknown } | null)?.status === 413) {
			throw new CampaignApiError({ status: 413, code: 'too_large', field: 'file', message: 'The file is over the upload limit. Split the list into smaller files.' });
		}
		throw new CampaignApiError({ status: 400, code: 'malformed_form', field: 'file', message: 'The upload could not be read as a form. Send it again as multipart/form-data.', cause: error });
	}
	const file = form.get('file');
	if (!(file instanceof File)) {
		throw new CampaignApiError({ status: 422, code: 'invalid', field: 'file', message: 'file: attach the CSV in a field named "file".' });
	}
	const raw: Record<string, string> = {};
	for (const key of Object.keys(optionsSchema.shape)) {
		const value = form.get(key);
		if (typeof value === 'string' && value.trim() !== '') raw[key] = value;
	}
	const parsed = optionsSchema.safeParse(raw);
	if (!parsed.success) throw fieldError(parsed.error.issues[0]!);
	return { file, options: parsed.data };
}

async function* chunks(file: File): AsyncIterable<Uint8Array> {
	const reader = file.stream().getReader();
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) return;
			yield value;
		}
	} finally {
		reader.releaseLock();
	}
}

async function templateBody(db: Db, ws: WorkspaceContext, id: string): Promise<{ body: string; vars: string[] }> {
	const [row] = await db.asUser(ws.claims, (tx) => tx<{ body: string; vars: string[] }[]>`
		select message_template as body, array(select jsonb_array_elements_text(template_vars)) as vars
		from public.sms_templates
		where id = ${id} and is_active and (organization_id = ${ws.organization.id} or organization_id is null)`);
	if (!row) throw new CampaignApiError({ status: 422, code: 'unknown_template', field: 'templateId', message: 'templateId: no active template with this id in this workspace.' });
	return row;
}

const IMPORT_STATUS: Record<ImportError['code'], number> = {
	too_large: 413,
	too_many_rows: 413,
	not_text: 422,
	mixed_encoding: 422,
	empty: 422,
	no_phone_column: 422,
	unknown_column: 422,
	malformed_csv: 422
};

/**
 * Reads the upload, validates and deduplicates it (the import pipeline), and keeps the valid
 * rows as the import's recipients, in one transaction: the answer is the validation report.
 */
export async function createImport(deps: ImportDeps, ws: WorkspaceContext, request: Request): Promise<ImportResponse> {
	const { file, options } = await readForm(request);
	const template = options.templateId ? await templateBody(deps.db, ws, options.templateId) : null;
	let report: ImportReport;
	try {
		report = await importRecipients(chunks(file), {
			defaultCountry: (options.defaultCountry ?? ws.organization.defaultCountry) as CountryCode,
			phoneColumn: options.phoneColumn,
			nameColumn: options.nameColumn,
			timeZoneColumn: options.timeZoneColumn,
			duplicates: options.dedupe ?? 'drop',
			body: template?.body ?? options.body,
			requiredVars: template?.vars,
			limits: deps.limits,
			prices: deps.prices,
			lookup: {
				optedOut: async (phones) => {
					// Opt-outs are stored sealed: looked up by blind index, answered as the numbers asked.
					const cipher = phoneCipher();
					const byHash = new Map(phones.map((phone) => [cipher.blindIndex(phone), phone]));
					const rows = await deps.db.asService((tx) => tx<{ phone_hash: string }[]>`
						select phone_hash from public.sms_phone_opt_outs where opted_out and phone_hash = any (${[...byHash.keys()]}::text[])`);
					return new Set(rows.map((r) => byHash.get(r.phone_hash)!));
				}
			}
		});
	} catch (error) {
		if (error instanceof ImportError) {
			const field = error.code === 'unknown_column' ? 'phoneColumn' : 'file';
			throw new CampaignApiError({ status: IMPORT_STATUS[error.code], code: error.code, field, message: error.message, cause: error });
		}
		throw error;
	}
	const stored = await deps.db.asService((tx) => persist(tx, ws, file.name, report));
	return {
		importId: stored.id,
		rows: report.rows,
		valid: report.valid,
		duplicates: report.duplicates,
		// What the uploader typed, to fix it — as long as they may see numbers (operators and up: the route's role).
		invalid: report.invalid.map(({ row, column, value, reason, code }) => ({ row, column, value: shownText(value, ws.can.operate, column === report.phoneColumn ? { last4: lastFour(value) } : null), reason, code })),
		columns: report.columns.map(({ header, variable, role }) => ({ header, variable, role })),
		phoneColumn: report.phoneColumn,
		nameColumn: report.nameColumn,
		timeZoneColumn: report.timeZoneColumn,
		missingColumns: report.missingColumns,
		estimate: report.estimate,
		expiresAt: stored.expiresAt.toISOString()
	};
}

/** A refused cell's last four digits, when it has that many. */
function lastFour(value: string): string | null {
	const digits = value.replace(/\D/g, '');
	return digits.length >= 4 ? digits.slice(-4) : null;
}

const BATCH = 5_000;

/**
 * The import row and its valid recipients (variables: each column's cell under its variable name).
 * The report keeps the cells of the rows that will not be texted sealed (a rejected cell is often
 * a real number: a landline, an opted-out mobile, a duplicate), with their last four.
 */
async function persist(tx: TransactionSql, ws: WorkspaceContext, fileName: string, report: ImportReport): Promise<{ id: string; expiresAt: Date }> {
	const { recipients, columns, ...rest } = report;
	const [row] = await tx<{ id: string; expires_at: Date }[]>`
		insert into public.sms_campaign_imports (organization_id, created_by, file_name, report, columns, phone_column)
		values (${ws.organization.id}, ${ws.userId}, ${fileName.slice(0, 255) || 'upload.csv'},
			${tx.json(sealImportReport(phoneCipher(), { ...rest, columns }) as never)}, ${columns.map((c) => c.header)}, ${report.phoneColumn})
		returning id, expires_at`;
	for (let i = 0; i < recipients.length; i += BATCH) {
		const batch = recipients.slice(i, i + BATCH).map((r) => {
			// The normalised number, sealed: the database keeps no clear number (deduplicated by
			// the import on the E.164 form, which is what the blind index is a keyed hash of).
			const sealed = sealE164(r.phone);
			return {
			row_number: r.row,
			phone_enc: sealed.enc,
			phone_hash: sealed.hash,
			phone_last4: sealed.last4,
			calling_code: sealed.callingCode,
			// Every column but the phone's: its cell is the number in clear (the sealed columns carry it).
			variables: Object.fromEntries(columns.flatMap((c, k) => (c.role === 'phone' ? [] : [[c.variable, r.values[k] ?? '']]))),
			name: r.name?.slice(0, 200) ?? null,
			time_zone: r.timeZone,
			country: r.country && /^[A-Z]{2}$/.test(r.country) && r.country !== 'ZZ' ? r.country : null,
			segments: Math.min(Math.max(r.segments, 1), 30)
			};
		});
		await tx`
			insert into public.sms_campaign_recipients (import_id, row_number, phone_enc, phone_hash, phone_last4, calling_code, variables, name, time_zone, country, segments)
			select ${row!.id}, r.row_number, r.phone_enc, r.phone_hash, r.phone_last4, r.calling_code, r.variables, r.name, r.time_zone, r.country, r.segments
			from jsonb_to_recordset(${tx.json(batch as never)}) as r(
				row_number integer, phone_enc text, phone_hash text, phone_last4 text, calling_code text,
				variables jsonb, name text, time_zone text, country text, segments integer)`;
	}
	return { id: row!.id, expiresAt: row!.expires_at };
}
