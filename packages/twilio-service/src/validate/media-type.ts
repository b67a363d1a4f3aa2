/**
 * The media type of a Content-Type header, lower-cased and without parameters:
 * "Application/JSON; charset=utf-8" → "application/json"; "" when absent.
 */
export function mediaType(contentType: string | null | undefined): string {
	return (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
}
