import { describe, expect, it } from 'vitest';
import { replyFor } from './incoming.ts';
import { classifyKeyword } from './keywords.ts';
import { twiml } from './twiml.ts';

describe('classifyKeyword', () => {
	it.each(['STOP', 'stop', '  Stop\n', 'STOPALL', 'unsubscribe', 'CANCEL', 'end', 'QUIT', 'Revoke', 'OPTOUT'])(
		'%j opts out',
		(body) => expect(classifyKeyword(body)?.kind).toBe('opt_out')
	);
	it.each(['START', 'unstop', 'Yes'])('%j opts back in', (body) => expect(classifyKeyword(body)?.kind).toBe('opt_in'));
	it.each(['HELP', 'info'])('%j asks for help', (body) => expect(classifyKeyword(body)?.kind).toBe('help'));
	it.each(['please stop', 'STOP!', 'stop it', '', 'hello'])('%j is an ordinary message', (body) =>
		expect(classifyKeyword(body)).toBeNull()
	);
	it('reports the keyword in upper case', () => expect(classifyKeyword(' quit ')).toEqual({ kind: 'opt_out', keyword: 'QUIT' }));
});

describe('replyFor / twiml', () => {
	const app = { keywordReplies: 'app' as const, helpText: 'Help: <reply> STOP & more' };
	it('answers keywords itself in app mode, escaping XML', () => {
		expect(twiml(replyFor(classifyKeyword('help'), app))).toBe(
			'<?xml version="1.0" encoding="UTF-8"?><Response><Message>Help: &lt;reply&gt; STOP &amp; more</Message></Response>'
		);
		expect(replyFor(classifyKeyword('stop'), app)).toMatch(/unsubscribed/);
		expect(replyFor(classifyKeyword('start'), app)).toMatch(/re-subscribed/);
	});
	it('stays silent for ordinary texts and when Twilio answers keywords', () => {
		expect(replyFor(classifyKeyword('hello'), app)).toBeNull();
		expect(replyFor(classifyKeyword('STOP'), { ...app, keywordReplies: 'twilio' })).toBeNull();
		expect(twiml(null)).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
	});
});
