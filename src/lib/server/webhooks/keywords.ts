/** Twilio's standard opt-out / opt-in / help keywords (the whole message, any case, trimmed). */
export const OPT_OUT_KEYWORDS = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'] as const;
export const OPT_IN_KEYWORDS = ['START', 'UNSTOP', 'YES'] as const;
export const HELP_KEYWORDS = ['HELP', 'INFO'] as const;

export type KeywordKind = 'opt_out' | 'opt_in' | 'help';
export type Keyword = { kind: KeywordKind; keyword: string } | null;

const TABLE = new Map<string, KeywordKind>([
	...OPT_OUT_KEYWORDS.map((k) => [k, 'opt_out'] as const),
	...OPT_IN_KEYWORDS.map((k) => [k, 'opt_in'] as const),
	...HELP_KEYWORDS.map((k) => [k, 'help'] as const)
]);

/** "stop", " Stop\n" → opt_out; "please stop" is an ordinary message, as on Twilio. */
export function classifyKeyword(body: string): Keyword {
	const word = body.trim().toUpperCase();
	const kind = TABLE.get(word);
	return kind ? { kind, keyword: word } : null;
}

/** Replies modelled on Twilio's default Advanced Opt-Out answers. */
export const KEYWORD_REPLIES: Record<Exclude<KeywordKind, 'help'>, string> = {
	opt_out:
		'You have successfully been unsubscribed. You will not receive any more messages from this number. Reply START to resubscribe.',
	opt_in: 'You have successfully been re-subscribed to messages from this number. Reply HELP for help. Reply STOP to unsubscribe.'
};
