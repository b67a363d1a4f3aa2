import type { TransactionSql } from '@sms/db';
import { renderTemplate, TemplateError, type SmsEncoding } from '@sms/twilio-service';
import { shownPhone } from '$lib/server/phones/view';

export type RowPreview =
	| { ok: true; row: number; phone: string; text: string; encoding: SmsEncoding; segments: number; characters: number }
	| { ok: false; row: number; reason: string };

interface StoredReport {
	rows?: number;
	rejected?: { row: number; reason: string }[];
}

/**
 * The text one row of an import would get, as the campaign will render it. A row that is not
 * among the recipients says why (invalid, duplicate, blank, past the end of the file).
 */
export async function previewRow(
	tx: TransactionSql,
	options: { organizationId: string; importId: string; row: number; body: string; requiredVars?: string[]; showNumbers?: boolean }
): Promise<RowPreview> {
	const [imp] = await tx<{ report: StoredReport }[]>`
		select report from public.sms_campaign_imports where id = ${options.importId} and organization_id = ${options.organizationId}`;
	if (!imp) return { ok: false, row: options.row, reason: 'This list is no longer available: upload it again.' };
	const [r] = await tx<{ phone_enc: string; phone_last4: string; variables: Record<string, string> }[]>`
		select phone_enc, phone_last4, variables from public.sms_campaign_recipients
		where import_id = ${options.importId} and row_number = ${options.row}`;
	if (!r) {
		const rejected = imp.report.rejected?.find((x) => x.row === options.row);
		const reason = rejected
			? `Row ${options.row} will not be texted: ${rejected.reason}.`
			: options.row === 1
				? 'Row 1 is the header row.'
				: `Row ${options.row} is not a recipient (a blank line, or past the end of the file).`;
		return { ok: false, row: options.row, reason };
	}
	try {
		// The variables as start_campaign renders them: the phone column is not among them.
		const out = renderTemplate(options.body, r.variables, { requiredVars: options.requiredVars });
		return {
			ok: true,
			row: options.row,
			phone: shownPhone(r.phone_enc, r.phone_last4, options.showNumbers ?? false),
			text: out.text,
			encoding: out.segments.encoding,
			segments: out.segments.segments,
			characters: Array.from(out.text).length
		};
	} catch (error) {
		if (error instanceof TemplateError) return { ok: false, row: options.row, reason: `Row ${options.row} cannot be rendered: ${error.message}.` };
		throw error;
	}
}

/** The first recipient's row number (the test send renders it). */
export async function firstRow(tx: TransactionSql, importId: string): Promise<number | null> {
	const [r] = await tx<{ row_number: number }[]>`
		select row_number from public.sms_campaign_recipients where import_id = ${importId} order by row_number limit 1`;
	return r?.row_number ?? null;
}
