/** RFC 2822 as Twilio's 2010 API writes it: "Thu, 24 Aug 2023 05:01:45 +0000". */
export function rfc2822(ms: number): string {
	return new Date(ms).toUTCString().replace('GMT', '+0000');
}

/** ISO 8601 without milliseconds, as Twilio's v1/v2 APIs write it: "2023-08-24T05:01:45Z". */
export function iso8601(ms: number): string {
	return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
