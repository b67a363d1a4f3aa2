import type { MessageStore } from './message-store.ts';
import { messageJson, type SandboxMessage } from './message.ts';

const DAY_MS = 86_400_000;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

interface Bound {
	from: number;
	until: number;
}

/**
 * The filters of GET …/Messages.json. The SDK sends `DateSent>=…` as the key "DateSent>"
 * with value "…"; a date-only value covers that whole UTC day, as on Twilio.
 */
function dateBound(params: URLSearchParams): Bound | null {
	const bound: Bound = { from: -Infinity, until: Infinity };
	let any = false;
	const on = params.get('DateSent');
	const after = params.get('DateSent>');
	const before = params.get('DateSent<');
	if (on) {
		const t = Date.parse(on);
		bound.from = t;
		bound.until = DATE_ONLY.test(on) ? t + DAY_MS - 1 : t;
		any = true;
	}
	if (after) {
		bound.from = Math.max(bound.from, Date.parse(after));
		any = true;
	}
	if (before) {
		const t = Date.parse(before);
		bound.until = Math.min(bound.until, DATE_ONLY.test(before) ? t + DAY_MS - 1 : t);
		any = true;
	}
	return any ? bound : null;
}

/** Twilio's paging envelope over the messages the account can list (not Verify's texts). */
export function listMessages(options: {
	store: MessageStore;
	accountSid: string;
	params: URLSearchParams;
}) {
	const { store, accountSid, params } = options;
	const to = params.get('To');
	const from = params.get('From');
	const dates = dateBound(params);
	const pageSize = Math.min(1000, Math.max(1, Number(params.get('PageSize')) || 50));
	const page = Math.max(0, Number(params.get('Page')) || 0);
	const skip = page * pageSize;

	// Newest first, as Twilio lists them; a To/From filter walks only that phone's messages.
	const source: readonly SandboxMessage[] =
		to || from ? store.forPhone((to ?? from)!) : [...store.all()];
	const matches: SandboxMessage[] = [];
	let seen = 0;
	for (let i = source.length - 1; i >= 0 && matches.length <= pageSize; i--) {
		const m = source[i]!;
		if (m.kind === 'verification') continue;
		if (to && m.to !== to) continue;
		if (from && m.from !== from) continue;
		if (dates) {
			const t = m.dateSent ?? m.dateCreated;
			if (t < dates.from || t > dates.until) continue;
		}
		if (seen++ < skip) continue;
		matches.push(m);
	}
	const hasMore = matches.length > pageSize;
	const pageItems = matches.slice(0, pageSize);

	const base = `/2010-04-01/Accounts/${accountSid}/Messages.json`;
	const query = (p: number) => {
		const q = new URLSearchParams(params);
		q.delete('Page');
		q.delete('PageToken');
		q.set('PageSize', String(pageSize));
		q.set('Page', String(p));
		if (p > 0) q.set('PageToken', `PA${p}`);
		return `${base}?${q.toString()}`;
	};
	return {
		end: skip + Math.max(0, pageItems.length - 1),
		first_page_uri: query(0),
		messages: pageItems.map(messageJson),
		next_page_uri: hasMore ? query(page + 1) : null,
		page,
		page_size: pageSize,
		previous_page_uri: page > 0 ? query(page - 1) : null,
		start: skip,
		uri: query(page)
	};
}
