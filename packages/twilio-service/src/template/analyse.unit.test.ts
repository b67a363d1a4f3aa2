import { describe, expect, it } from 'vitest';
import { analyseTemplate } from './index.ts';

describe('analyseTemplate', () => {
	it('detects variables and renders the preview with sample values', () => {
		const a = analyseTemplate('Hi {{name}}, your table for {{ guests }} is ready', { sampleVars: { name: 'Ada', guests: 4 } });
		expect(a.variables).toEqual(['name', 'guests']);
		expect(a.preview).toMatchObject({ text: 'Hi Ada, your table for 4 is ready', characters: 33, encoding: 'GSM-7', segments: 1 });
		expect(a.verdict).toBe('ok');
		expect(a.error).toBeNull();
	});

	it('names the variable that has no sample value, as renderTemplate does', () => {
		const a = analyseTemplate('Hi {{name}} at {{time}}', { sampleVars: { name: 'Ada' } });
		expect(a.preview).toBeNull();
		expect(a.error).toEqual({ code: 'missing_variables', message: 'Template needs a value for: time', missing: ['time'] });
	});

	it('highlights the curly quote that forces UCS-2 and says what replacing it saves', () => {
		const body = 'We’re open ' + 'x'.repeat(100);
		const a = analyseTemplate(body);
		expect(a.preview?.encoding).toBe('UCS-2');
		expect(a.preview?.segments).toBe(2);
		expect(a.preview?.ucs2Characters).toEqual([{ char: '’', codePoint: 'U+2019', index: 2, length: 1, replacement: "'" }]);
		expect(a.preview?.gsm).toEqual({ text: "We're open " + 'x'.repeat(100), segments: { encoding: 'GSM-7', segments: 1, units: 111 } });
		expect(a.verdict).toBe('warning');
		expect(a.message).toBe('This text is sent as 2 segments (UCS-2) and costs 2 times as much. Replacing the highlighted character makes it 1.');
	});

	it('blocks above the maximum segments, warns above one', () => {
		expect(analyseTemplate('x'.repeat(161)).verdict).toBe('warning');
		expect(analyseTemplate('x'.repeat(459)).verdict).toBe('warning');
		const blocked = analyseTemplate('x'.repeat(460));
		expect(blocked.verdict).toBe('blocked');
		expect(blocked.message).toBe('This text needs 4 segments (GSM-7); the limit is 3. Shorten it.');
		expect(analyseTemplate('x'.repeat(161), { maxSegments: 1 }).verdict).toBe('blocked');
	});
});
