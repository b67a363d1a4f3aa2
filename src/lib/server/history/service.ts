import type { Claims, Db, TransactionSql } from '@sms/db';
import type { HistoryItem, HistoryPage, HistorySummary } from '$lib/components/history/types';
import { encodeHistoryCursor, queryHistory, queryHistoryItem } from '$lib/server/sms/history-query';
import type { HistoryParams } from './params.ts';
import { loadSummary } from './summary.ts';
import { loadEvents } from './timeline.ts';
import { toHistoryItem } from './view.ts';
import { usableTimeZone } from '../time-zone-fallback.ts';

/** Everything runs as the signed-in user: RLS decides what they see. */
export interface HistoryAccess {
	db: Db;
	claims: Claims;
}

export interface RecipientSettings {
	timeZone: string;
	/** A saved zone the server cannot use; times are then shown in UTC with a warning. */
	unsupportedTimeZone: string | null;
	phoneVerified: boolean;
}

export async function recipientSettings(tx: TransactionSql, userId: string): Promise<RecipientSettings> {
	const rows = await tx<{ time_zone: string; phone_verified: boolean }[]>`
		select time_zone, phone_verified from public.user_sms_preferences where user_id = ${userId}`;
	return { ...usableTimeZone(rows[0]?.time_zone), phoneVerified: rows[0]?.phone_verified ?? false };
}

async function page(
	tx: TransactionSql,
	userId: string,
	params: HistoryParams,
	options: { timeline: boolean; timeZone: string }
): Promise<HistoryPage> {
	const result = await queryHistory(tx, {
		userId,
		before: params.cursor,
		limit: params.limit,
		verdict: params.verdict,
		type: params.type
	});
	const events = options.timeline ? await loadEvents(tx, result.rows.map((r) => r.id)) : null;
	const now = new Date();
	return {
		messages: result.rows.map((row) =>
			toHistoryItem(row, { timeZone: options.timeZone, now, events: events ? (events.get(row.id) ?? []) : null })
		),
		nextCursor: result.nextCursor ? encodeHistoryCursor(result.nextCursor) : null
	};
}

/** GET /api/sms/messages: one page of my texts (no timelines — fetch a message for that). */
export function historyPage(access: HistoryAccess, params: HistoryParams): Promise<HistoryPage> {
	const userId = access.claims.sub;
	return access.db.asUser(access.claims, async (tx) => {
		const { timeZone } = await recipientSettings(tx, userId);
		return page(tx, userId, params, { timeline: false, timeZone });
	});
}

export interface HistoryView extends HistoryPage {
	summary: HistorySummary;
	settings: RecipientSettings;
	types: { key: string; label: string }[];
}

/** The /history page: a page with timelines, the summary line, filter choices and settings. */
export function historyView(access: HistoryAccess, params: HistoryParams): Promise<HistoryView> {
	const userId = access.claims.sub;
	return access.db.asUser(access.claims, async (tx) => {
		const settings = await recipientSettings(tx, userId);
		const [result, summary, types] = [
			await page(tx, userId, params, { timeline: true, timeZone: settings.timeZone }),
			await loadSummary(tx, userId),
			await tx<{ key: string; label: string }[]>`select key, label from public.sms_notification_types order by label`
		];
		return { ...result, summary, settings, types: [...types] };
	});
}

/** One message with its timeline and the fresh summary: what a live update needs. */
export function historyItem(
	access: HistoryAccess,
	id: string
): Promise<{ message: HistoryItem; summary: HistorySummary } | null> {
	const userId = access.claims.sub;
	return access.db.asUser(access.claims, async (tx) => {
		const row = await queryHistoryItem(tx, id);
		// Admins can read everyone's rows; this endpoint is about *my* texts only.
		if (!row || row.user_id !== userId) return null;
		const { timeZone } = await recipientSettings(tx, userId);
		const events = await loadEvents(tx, [row.id]);
		return {
			message: toHistoryItem(row, { timeZone, events: events.get(row.id) ?? [] }),
			summary: await loadSummary(tx, userId)
		};
	});
}
