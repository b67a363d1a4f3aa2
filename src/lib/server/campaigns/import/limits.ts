/** What one campaign import may hold (issue 13): bigger lists are split by the operator. */
export const IMPORT_LIMITS = {
	maxBytes: 50 * 1024 * 1024,
	maxRows: 200_000
} as const;

export interface ImportLimits {
	maxBytes: number;
	maxRows: number;
}

export function formatBytes(bytes: number): string {
	return bytes >= 1024 * 1024 ? `${Math.round(bytes / (1024 * 1024))} MB` : `${Math.round(bytes / 1024)} KB`;
}
