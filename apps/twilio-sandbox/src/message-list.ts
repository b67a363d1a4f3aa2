import type { MessageStore } from './message-store.ts';
import { messageJson, type SandboxMessage } from './message.ts';
import { TwilioApiError } from './twilio-error.ts';

/** Twilio's page size bounds: default 50, at most 1000. */
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

interface DateBound {
	/** Inclusive UTC dates, 'YYYY-MM-DD' (they compare as strings). */
	from: string | null;
	until: string | null;
}

/**
 * Twilio's DateSent filter is a DATE in UTC, not an instant: `DateSent>=2026-12-01T23:59:00Z`
 * means "sent on or after 2026-12-01" (the whole day), and a message not sent yet (no
 * date_sent) matches no DateSent filter. The SDK sends `DateSent>=…` as the key "DateSent>"
 * (and `<=` as "DateSent<").
 */
function utcDate(value: string, name: string): string {
	const t = Date.parse(value);
	if (Number.isNaN(t)) throw new TwilioApiError({ code: 20001, status: 400, message: `Invalid ${name}: ${value}` });
	return new Date(t).toISOString().slice(0, 10);
}

function dateBound(params: URLSearchParams): DateBound | null {
	const on = params.get('DateSent');
	const after = params.get('DateSent>');
	const before = params.get('DateSent<');
	if (!on && !after && !before) return null;
	const bound: DateBound = { from: null, until: null };
	if (on) bound.from = bound.until = utcDate(on, 'DateSent');
	if (after) {
		const d = utcDate(after, 'DateSent>');
		bound.from = bound.from && bound.from > d ? bound.from : d;
	}
	if (before) {
		const d = utcDate(before, 'DateSent<');
		bound.until = bound.until && bound.until < d ? bound.until : d;
	}
	return bound;
}

function matchesDate(m: SandboxMessage, bound: DateBound | null): boolean {
	if (!bound) return true;
	if (m.dateSent === null) return false;
	const d = new Date(m.dateSent).toISOString().slice(0, 10);
	return (bound.from === null || d >= bound.from) && (bound.until === null || d <= bound.until);
}

/**
 * GET …/Messages.json with Twilio's paging envelope, newest first, over the messages the
 * account can list (not Verify's texts). Pages are addressed as Twilio does: `PageSize`, `Page`
 * and a `PageToken` naming where the previous page ended (`PA` + its last SID), so messages
 * created between two page requests neither shift nor hide what the next page holds.
 */
export function listMessages(options: { store: MessageStore; accountSid: string; params: URLSearchParams }) {
	const { store, accountSid, params } = options;
	const to = params.get('To');
	const from = params.get('From');
	const dates = dateBound(params);
	const requested = Number(params.get('PageSize'));
	const pageSize = Number.isInteger(requested) && requested > 0 ? Math.min(MAX_PAGE_SIZE, requested) : DEFAULT_PAGE_SIZE;
	const page = Math.max(0, Math.floor(Number(params.get('Page')) || 0));
	const token = params.get('PageToken');
	const afterSid = token?.startsWith('PA') && token.length > 2 ? token.slice(2) : null;

	// Newest first, as Twilio lists them; a To/From filter walks only that phone's messages.
	const source: readonly SandboxMessage[] = to || from ? store.forPhone((to ?? from)!) : [...store.all()];
	const matches: SandboxMessage[] = [];
	// Without a token (or with one for a message no longer held), fall back to Page × PageSize.
	let skip = afterSid && store.get(afterSid) ? 0 : page * pageSize;
	let started = !afterSid || !store.get(afterSid);
	for (let i = source.length - 1; i >= 0 && matches.length <= pageSize; i--) {
		const m = source[i]!;
		if (!started) {
			if (m.sid === afterSid) started = true;
			continue;
		}
		if (m.kind === 'verification') continue;
		if (to && m.to !== to) continue;
		if (from && m.from !== from) continue;
		if (!matchesDate(m, dates)) continue;
		if (skip > 0) {
			skip--;
			continue;
		}
		matches.push(m);
	}
	const hasMore = matches.length > pageSize;
	const pageItems = matches.slice(0, pageSize);
	const start = page * pageSize;

	const base = `/2010-04-01/Accounts/${accountSid}/Messages.json`;
	const query = (p: number, pageToken: string | null) => {
		const q = new URLSearchParams(params);
		q.delete('Page');
		q.delete('PageToken');
		q.set('PageSize', String(pageSize));
		q.set('Page', String(p));
		if (pageToken) q.set('PageToken', pageToken);
		return `${base}?${q.toString()}`;
	};
	const last = pageItems.at(-1);
	return {
		end: start + Math.max(0, pageItems.length - 1),
		first_page_uri: query(0, null),
		messages: pageItems.map(messageJson),
		next_page_uri: hasMore && last ? query(page + 1, `PA${last.sid}`) : null,
		page,
		page_size: pageSize,
		// Twilio's previous-page token points backwards; the sandbox answers it by page number.
		previous_page_uri: page > 0 ? query(page - 1, null) : null,
		start,
		uri: query(page, token)
	};
}
