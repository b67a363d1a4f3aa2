import { encodingReport, type EncodingReport } from '../segments/index.ts';
import { TemplateError, type TemplateErrorCode } from './errors.ts';
import { renderTemplate, templateVariables, type TemplateVars } from './render.ts';

/** Segments a workspace allows per text unless it says otherwise (issue 13). */
export const DEFAULT_MAX_SEGMENTS = 3;

export interface AnalyseOptions {
	/** Sample values for the preview (one recipient's row, or values typed in the editor). */
	sampleVars?: TemplateVars;
	/** Above this the template is blocked; above one segment it is only a warning. */
	maxSegments?: number;
}

export interface TemplateAnalysis {
	/** `{{variables}}` the body uses, in order. */
	variables: string[];
	/** The rendered sample: text, characters, encoding, segments and the characters forcing UCS-2. */
	preview: (EncodingReport & { text: string; characters: number }) | null;
	/** Why there is no preview (a variable without a sample value…), as renderTemplate names it. */
	error: { code: TemplateErrorCode; message: string; missing: string[] } | null;
	/** ok: one segment; warning: more than one (costs more); blocked: over the maximum. */
	verdict: 'ok' | 'warning' | 'blocked';
	message: string | null;
}

/**
 * What the template editor shows while someone types: the variables found, the preview with
 * sample values (rendered by renderTemplate, the one implementation), its encoding and segments,
 * and which characters force UCS-2 with what to type instead.
 */
export function analyseTemplate(body: string, options: AnalyseOptions = {}): TemplateAnalysis {
	const variables = templateVariables(body);
	const maxSegments = options.maxSegments ?? DEFAULT_MAX_SEGMENTS;
	let text: string;
	try {
		text = renderTemplate(body, options.sampleVars ?? {}).text;
	} catch (error) {
		if (!(error instanceof TemplateError)) throw error;
		return {
			variables,
			preview: null,
			error: { code: error.code, message: error.message, missing: error.missing },
			verdict: 'ok',
			message: null
		};
	}
	const report = encodingReport(text);
	const preview = { ...report, text, characters: Array.from(text).length };
	const { verdict, message } = judge(report, maxSegments);
	return { variables, preview, error: null, verdict, message };
}

function judge(report: EncodingReport, maxSegments: number): Pick<TemplateAnalysis, 'verdict' | 'message'> {
	const why =
		report.encoding === 'UCS-2' && report.gsm && report.gsm.segments.segments < report.segments
			? ` Replacing ${report.ucs2Characters.length === 1 ? 'the highlighted character' : `the ${report.ucs2Characters.length} highlighted characters`} makes it ${report.gsm.segments.segments}.`
			: '';
	if (report.segments > maxSegments) {
		return {
			verdict: 'blocked',
			message: `This text needs ${report.segments} segments (${report.encoding}); the limit is ${maxSegments}. Shorten it.${why}`
		};
	}
	if (report.segments > 1) {
		return {
			verdict: 'warning',
			message: `This text is sent as ${report.segments} segments (${report.encoding}) and costs ${report.segments} times as much.${why}`
		};
	}
	return { verdict: 'ok', message: null };
}
