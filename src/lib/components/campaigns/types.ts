// The shapes the campaign pages pass between server and components (types only).
export interface CountryEstimate {
	country: string;
	texts: number;
	segments: number;
	unitPrice: number | null;
	currency: string;
	cost: number | null;
	note?: string | null;
}

export interface ImportReportView {
	importId: string;
	rows: number;
	valid: number;
	duplicates: number;
	invalidCount: number;
	invalid: { row: number; column: string; value: string; reason: string; code: string }[];
	columns: { header: string; variable: string; role: string }[];
	phoneColumn: string;
	nameColumn: string | null;
	timeZoneColumn: string | null;
	missingColumns: string[];
	estimate: { texts: number; segments: number; byCountry: CountryEstimate[] };
	expiresAt: string;
}

export interface Mapping {
	phoneColumn: string;
	nameColumn: string;
	timeZoneColumn: string;
	keepDifferingDuplicates: boolean;
}

export interface Content {
	templateId: string;
	body: string;
}

export type RowPreviewView =
	| { ok: true; row: number; phone: string; text: string; encoding: string; segments: number; characters: number }
	| { ok: false; row: number; reason: string };

/** campaign_progress(): the counts by stage, the rate and the ETA. */
export interface Progress {
	queued?: number;
	sent?: number;
	delivered?: number;
	failed?: number;
	pending?: number;
	held?: number;
	skipped?: number;
	canceled?: number;
	total?: number;
	rate_per_second?: number;
	eta_seconds?: number | null;
	ahead?: number;
	status?: string;
	pause_reason?: string | null;
}
