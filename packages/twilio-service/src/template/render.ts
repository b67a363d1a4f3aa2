import { segmentInfo, type SegmentInfo } from '../segments/index.ts';
import { TemplateError } from './errors.ts';

export type TemplateValue = string | number | boolean | null | undefined;
export type TemplateVars = Record<string, TemplateValue>;

export interface RenderOptions {
	/** Maximum length of the rendered text in characters (Unicode code points). */
	maxLength?: number;
	/** Maximum number of SMS segments of the rendered text. */
	maxSegments?: number;
	/**
	 * The template's declared variables. Each must be given a value, and a placeholder
	 * the template uses but this list does not declare is an `unexpected_variables` error
	 * (a template edited out of step with its declaration).
	 */
	requiredVars?: string[];
}

export interface RenderResult {
	text: string;
	segments: SegmentInfo;
}

// `{{name}}` or `{{ name }}`; names are identifiers, optionally dotted (`user.first_name`).
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\}\}/g;

/** A template split once into its literal text and placeholders: rendering is then a join. */
interface Compiled {
	/** Distinct names, in order of first appearance. */
	used: readonly string[];
	/** Literal text, then alternately a placeholder's name and literal text: [text, name, text, …]. */
	parts: readonly string[];
}

// A campaign renders one template per recipient (100,000 rows): parse each template once.
const compiledTemplates = new Map<string, Compiled>();

function compile(template: string): Compiled {
	const known = compiledTemplates.get(template);
	if (known) return known;
	const names = new Set<string>();
	const parts: string[] = [];
	let last = 0;
	for (const match of template.matchAll(PLACEHOLDER)) {
		const name = match[1] as string;
		names.add(name);
		parts.push(template.slice(last, match.index), name);
		last = match.index + match[0].length;
	}
	parts.push(template.slice(last));
	const compiled = { used: [...names], parts };
	if (compiledTemplates.size >= 1_000) compiledTemplates.clear();
	compiledTemplates.set(template, compiled);
	return compiled;
}

/** Distinct variable names a template uses, in order of first appearance. */
export function templateVariables(template: string): string[] {
	return [...compile(template).used];
}

/**
 * Fills `{{var}}` placeholders. Values are inserted verbatim in a single pass (a value that
 * itself looks like `{{x}}` is not expanded again). null, undefined and blank strings count
 * as missing: a text reading "Hi , your task  is due" is worse than not sending it.
 */
export function renderTemplate(
	template: string,
	vars: TemplateVars,
	options: RenderOptions = {}
): RenderResult {
	const { used, parts } = compile(template);
	const required = options.requiredVars;
	const needed = required ? new Set([...used, ...required]) : used;
	const missing: string[] = [];
	for (const name of needed) if (!hasValue(vars, name)) missing.push(name);
	const declared = required ? new Set(required) : null;
	const unexpected = declared ? used.filter((name) => !declared.has(name)) : [];

	if (missing.length > 0) {
		throw new TemplateError({
			code: 'missing_variables',
			message: `Template needs a value for: ${missing.join(', ')}`,
			missing,
			unexpected
		});
	}
	if (unexpected.length > 0) {
		throw new TemplateError({
			code: 'unexpected_variables',
			message: `Template uses variables it does not declare: ${unexpected.join(', ')}`,
			unexpected
		});
	}

	let text = parts[0] as string;
	for (let i = 1; i < parts.length; i += 2) text += String(vars[parts[i] as string]) + (parts[i + 1] as string);
	const segments = segmentInfo(text);
	if (options.maxLength !== undefined) {
		const length = Array.from(text).length;
		if (length > options.maxLength) {
			throw new TemplateError({
				code: 'too_long',
				message: `Rendered text is ${length} characters; the limit is ${options.maxLength}`
			});
		}
	}
	if (options.maxSegments !== undefined && segments.segments > options.maxSegments) {
		throw new TemplateError({
			code: 'too_long',
			message: `Rendered text needs ${segments.segments} SMS segments (${segments.encoding}); the limit is ${options.maxSegments}`
		});
	}
	return { text, segments };
}

function hasValue(vars: TemplateVars, name: string): boolean {
	if (!Object.hasOwn(vars, name)) return false;
	const value = vars[name];
	if (value === null || value === undefined) return false;
	return !(typeof value === 'string' && value.trim() === '');
}
