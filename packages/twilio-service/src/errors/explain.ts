import { ERROR_CATALOGUE, type ErrorScope } from './catalogue.ts';

export interface ErrorExplanation {
	code: number | null;
	title: string;
	explanation: string;
	action: string;
	retryable: boolean;
	scope: ErrorScope;
}

/** Twilio error codes are positive integers; anything else is treated as "no code". */
function parseCode(code: number | string | null | undefined): number | null {
	if (code === null || code === undefined) return null;
	const n = typeof code === 'number' ? code : Number(code.trim());
	return Number.isInteger(n) && n > 0 ? n : null;
}

/**
 * Plain-English meaning of a Twilio error code. Unknown codes get a safe generic answer
 * that is not retryable (retrying blindly costs money and may annoy the recipient).
 */
export function explainError(code: number | string | null | undefined): ErrorExplanation {
	const parsed = parseCode(code);
	if (parsed === null) {
		return {
			code: null,
			title: 'No error code',
			explanation: "The text wasn't delivered and no reason was reported.",
			action: 'If this keeps happening, an admin can look at the delivery log for this message.',
			retryable: false,
			scope: 'none'
		};
	}
	const entry = ERROR_CATALOGUE[parsed];
	if (entry) return { code: parsed, ...entry };
	return {
		code: parsed,
		title: `Twilio error ${parsed}`,
		explanation: `The text couldn't be delivered (error ${parsed}).`,
		action: `If this keeps happening, an admin can look up error ${parsed} at twilio.com/docs/api/errors/${parsed}.`,
		retryable: false,
		scope: 'none'
	};
}

/** Whether sending again later may succeed; false for unknown or missing codes. */
export function isRetryableError(code: number | string | null | undefined): boolean {
	return explainError(code).retryable;
}
