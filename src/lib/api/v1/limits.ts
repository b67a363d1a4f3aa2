/** The /api/v1 limits, in one place: the schemas, the document and the routes read them here. */
export const API_LIMITS = {
	/** `sendAt` may be at most this many days ahead. */
	sendAtMaxDays: 35,
	/** A `sendAt` this far in the past is still "now" (clock skew between caller and us). */
	sendAtSkewSeconds: 60,
	batchMax: 1000,
	/** Largest request body we read, in bytes (a full batch fits easily). */
	bodyMaxBytes: 1024 * 1024,
	metadataMaxBytes: 8 * 1024,
	metadataMaxKeys: 50,
	attributesMaxBytes: 8 * 1024,
	bodyMaxChars: 1600,
	listMaxLimit: 100,
	listDefaultLimit: 25,
	idempotencyKeyMaxLength: 255,
	idempotencyHours: 24
} as const;
