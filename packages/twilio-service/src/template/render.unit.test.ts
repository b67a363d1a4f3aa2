import { describe, expect, it } from 'vitest';
import { renderTemplate, templateVariables, TemplateError, type TemplateVars, type RenderOptions } from './index.ts';

function renderError(template: string, vars: TemplateVars, options?: RenderOptions): TemplateError {
	try {
		renderTemplate(template, vars, options);
	} catch (error) {
		if (error instanceof TemplateError) return error;
		throw error;
	}
	throw new Error('expected a TemplateError');
}

describe('templateVariables', () => {
	it.each([
		['no placeholders', 'Hello there', []],
		['one', 'Hi {{name}}', ['name']],
		['whitespace inside braces', 'Hi {{ name }} and {{\tother\t}}', ['name', 'other']],
		['duplicates listed once, in order', '{{b}} {{a}} {{b}}', ['b', 'a']],
		['dotted names', 'Due {{task.due_at}}', ['task.due_at']],
		['single braces are text', 'Use {name} or {{ }}', []],
		['invalid names are left alone', '{{1abc}} {{a-b}}', []]
	])('%s', (_name, template, expected) => {
		expect(templateVariables(template)).toEqual(expected);
	});
});

describe('renderTemplate', () => {
	it.each([
		['string', 'Hi {{name}}!', { name: 'Ada' }, 'Hi Ada!'],
		['spaced placeholder', 'Hi {{ name }}!', { name: 'Ada' }, 'Hi Ada!'],
		['number and boolean', '{{n}} items, urgent: {{u}}', { n: 3, u: false }, '3 items, urgent: false'],
		['zero is a value', 'Left: {{n}}', { n: 0 }, 'Left: 0'],
		['repeated placeholder', '{{a}}/{{a}}', { a: 'x' }, 'x/x'],
		['extra vars are ignored', 'Hi {{name}}', { name: 'Ada', other: 'x' }, 'Hi Ada'],
		['values are not expanded again', 'Hi {{name}}', { name: '{{secret}}', secret: 'no' }, 'Hi {{secret}}'],
		['dollar patterns in values are literal', 'Pay {{amount}}', { amount: '$& $1' }, 'Pay $& $1']
	])('renders: %s', (_name, template, vars, text) => {
		expect(renderTemplate(template, vars).text).toBe(text);
	});

	it('returns segment info of the rendered text', () => {
		expect(renderTemplate('Hi {{name}}', { name: '😀' }).segments).toEqual({ encoding: 'UCS-2', segments: 1, units: 5 });
	});

	it.each([
		['absent', {}, ['name']],
		['null', { name: null }, ['name']],
		['undefined', { name: undefined }, ['name']],
		['blank string', { name: '  ' }, ['name']]
	])('missing variable when %s', (_name, vars, missing) => {
		const error = renderError('Hi {{name}}', vars);
		expect(error.code).toBe('missing_variables');
		expect(error.missing).toEqual(missing);
		expect(error.message).toContain('name');
	});

	it('requiredVars must be given even if the body does not use them', () => {
		const error = renderError('Hello', {}, { requiredVars: ['name'] });
		expect(error.code).toBe('missing_variables');
		expect(error.missing).toEqual(['name']);
	});

	it('placeholders outside the declared requiredVars are unexpected', () => {
		const error = renderError('Hi {{name}} {{extra}}', { name: 'A', extra: 'B' }, { requiredVars: ['name'] });
		expect(error.code).toBe('unexpected_variables');
		expect(error.unexpected).toEqual(['extra']);
	});

	it('reports missing and unexpected together, missing first', () => {
		const error = renderError('Hi {{name}} {{extra}}', {}, { requiredVars: ['name'] });
		expect(error.code).toBe('missing_variables');
		expect(error.missing).toEqual(['name', 'extra']);
		expect(error.unexpected).toEqual(['extra']);
	});

	it.each([
		['at maxLength', 'x'.repeat(10), { maxLength: 10 }, true],
		['over maxLength', 'x'.repeat(11), { maxLength: 10 }, false],
		['emoji counts as one character', '😀'.repeat(10), { maxLength: 10 }, true],
		['at maxSegments', 'x'.repeat(160), { maxSegments: 1 }, true],
		['over maxSegments', 'x'.repeat(161), { maxSegments: 1 }, false],
		['UCS-2 over one segment', 'ж'.repeat(71), { maxSegments: 1 }, false]
	])('length limit: %s', (_name, value, options, ok) => {
		if (ok) expect(renderTemplate('{{v}}', { v: value }, options).text).toBe(value);
		else expect(renderError('{{v}}', { v: value }, options).code).toBe('too_long');
	});
});
