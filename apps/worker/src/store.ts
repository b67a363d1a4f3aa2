import { redactPhoneNumbers, type Sql } from '@sms/db';
import { isProviderId, type DeliveryStatus, type ProviderError, type ProviderId } from '@sms/providers';
import { deliveryPrefs, isValidTimeZone, type ApplyStatusResult, type Priority } from '@sms/twilio-service';
import type { Logger } from './logger.ts';
import { StoreError } from './errors.ts';
import type { ClaimedJob, MessageStatus, SendContext } from './types.ts';

/**
 * The worker's only door to the database: thin, typed calls to the SQL API (service role).
 * Each method is one statement, i.e. one round trip; postgres.js pipelines them over the pool.
 */
export interface SendResultRow {
	provider: ProviderId;
	/** The provider's reference (Twilio's SID). */
	reference: string;
	/** The provider's status word, as it wrote it. */
	providerStatus: string | null;
	/** The same, normalised (the HTTP providers' attach needs it; Twilio's attach normalises itself). */
	status: DeliveryStatus;
	segments: number | null;
	encoding: string | null;
	price: string | null;
	priceUnit: string | null;
}

interface JobRow {
	id: string;
	job_type: string;
	payload: unknown;
	attempts: number;
	max_attempts: number;
	run_at: Date;
}

interface ContextRow {
	message_id: string;
	user_id: string;
	phone_number: string;
	body: string;
	status: MessageStatus;
	priority: Priority;
	twilio_sid: string | null;
	organization_id: string | null;
	provider: string | null;
	provider_reference: string | null;
	dispatched_at: Date | null;
	notification_type: string;
	bypasses_quiet_hours: boolean | null;
	type_enabled: boolean | null;
	time_zone: string | null;
	quiet_hours_start: string | null;
	quiet_hours_end: string | null;
	daily_limit: number | null;
	user_opted_out: boolean;
	number_opted_out: boolean;
	phone_verified: boolean;
	used_today: number;
}

/** One row of a workspace's provider list with its API key, as the worker reads it. */
export interface ProviderConfigRow {
	organizationId: string;
	provider: string;
	position: number;
	enabled: boolean;
	baseUrl: string | null;
	sender: string | null;
	countries: string[];
	apiKey: string | null;
}

export interface DispatchStart {
	outcome: 'dispatching' | 'limit_reached' | 'not_sendable' | 'missing';
	/** The status before: 'dispatching' with not_sendable means an earlier attempt must be looked up. */
	previous: MessageStatus | null;
}

export interface ReconcileCandidate {
	messageId: string;
	sid: string;
	status: MessageStatus;
}

export class WorkerStore {
	constructor(
		private readonly sql: Sql,
		private readonly log: Pick<Logger, 'warn'> = { warn: () => {} }
	) {}

	/**
	 * A zone this runtime cannot use (e.g. 'Factory' written through SQL) must not stop that
	 * user's texts for ever: decide in UTC, and say so once per user and process.
	 */
	private usableTimeZone(zone: string | null, userId: string, messageId: string): string {
		if (zone === null) return 'UTC';
		if (isValidTimeZone(zone)) return zone;
		if (!this.warnedZones.has(userId)) {
			this.warnedZones.add(userId);
			this.log.warn({ userId, messageId, timeZone: zone }, 'unsupported time zone in preferences: deciding in UTC');
		}
		return 'UTC';
	}

	private readonly warnedZones = new Set<string>();

	async claim(options: { workerId: string; limit: number; leaseSeconds: number }): Promise<ClaimedJob[]> {
		const rows = await this.sql<JobRow[]>`
			select id, job_type, payload, attempts, max_attempts, run_at
			from public.claim_jobs(${options.workerId}, ${['send_sms']}::text[], ${options.limit}, ${options.leaseSeconds})`;
		return rows.map((r) => ({
			id: r.id,
			jobType: r.job_type,
			payload: r.payload,
			attempts: r.attempts,
			maxAttempts: r.max_attempts,
			runAt: r.run_at
		}));
	}

	/**
	 * Reads, for many messages at once, the message and everything the policy needs: the
	 * user's preferences, the type switch, any STOP recorded for the number, and the count on
	 * the user's local day at `now` (the worker's clock, so tests can move time).
	 *
	 * A text to a contact (DESIGN §13) reads the same fields from the workspace instead: the
	 * contact's time zone (else the workspace's), the workspace's quiet hours and per-contact
	 * daily cap, the STOP recorded for the number, and the contact's own day counter. Its
	 * `userId` is the contact's id — the recipient whose day counter the slot calls use.
	 */
	async loadContexts(messageIds: string[], now: Date): Promise<Map<string, SendContext>> {
		const rows = await this.sql<ContextRow[]>`
			select m.id as message_id, coalesce(m.user_id, m.contact_id) as user_id, m.phone_number,
			       m.message_content as body, m.status,
			       m.priority, m.twilio_sid, m.organization_id, m.provider, m.provider_reference, m.dispatched_at, m.notification_type,
			       t.bypasses_quiet_hours,
			       case when c.id is not null then true else coalesce(tp.enabled, t.default_enabled) end as type_enabled,
			       z.time_zone,
			       (case when c.id is not null then org.quiet_hours_start else p.quiet_hours_start end)::text as quiet_hours_start,
			       (case when c.id is not null then org.quiet_hours_end else p.quiet_hours_end end)::text as quiet_hours_end,
			       case when c.id is not null then org.contact_daily_limit else p.daily_limit end as daily_limit,
			       coalesce(p.opted_out, false) as user_opted_out, coalesce(o.opted_out, false) as number_opted_out,
			       case when c.id is not null then c.phone_number = m.phone_number
			            else coalesce(p.phone_verified, false) and p.phone_number = m.phone_number end as phone_verified,
			       coalesce(case when c.id is not null then cu.count else u.count end, 0)::int as used_today
			from unnest(${messageIds}::uuid[]) as ids(id)
			join public.sms_messages m on m.id = ids.id
			left join public.user_sms_preferences p on p.user_id = m.user_id
			left join public.contacts c on c.id = m.contact_id
			left join public.organizations org on org.id = m.organization_id
			cross join lateral (
			  select case when c.id is not null then coalesce(c.time_zone, org.default_time_zone, 'UTC')
			              else p.time_zone end as time_zone
			) z
			left join public.sms_notification_types t on t.key = m.notification_type
			left join public.user_sms_type_preferences tp
			  on tp.user_id = m.user_id and tp.type_key = m.notification_type
			left join public.sms_phone_opt_outs o on o.phone_number = m.phone_number
			left join public.sms_daily_usage u
			  on u.user_id = m.user_id
			 and u.local_date = (${now}::timestamptz at time zone coalesce(z.time_zone, 'UTC'))::date
			left join public.contact_daily_usage cu
			  on cu.contact_id = c.id
			 and cu.local_date = (${now}::timestamptz at time zone coalesce(z.time_zone, 'UTC'))::date`;
		const map = new Map<string, SendContext>();
		for (const r of rows) {
			map.set(r.message_id, {
				messageId: r.message_id,
				userId: r.user_id,
				phoneNumber: r.phone_number,
				body: r.body,
				status: r.status,
				priority: r.priority,
				twilioSid: r.twilio_sid,
				organizationId: r.organization_id,
				provider: r.provider !== null && isProviderId(r.provider) ? r.provider : null,
				providerReference: r.provider_reference,
				dispatchedAt: r.dispatched_at,
				notificationType: r.notification_type,
				bypassesQuietHours: r.bypasses_quiet_hours ?? false,
				...deliveryPrefs({
					timeZone: this.usableTimeZone(r.time_zone, r.user_id, r.message_id),
					quietHoursStart: r.quiet_hours_start,
					quietHoursEnd: r.quiet_hours_end,
					dailyLimit: r.daily_limit ?? 0,
					userOptedOut: r.user_opted_out,
					numberOptedOut: r.number_opted_out,
					phoneVerified: r.phone_verified,
					typeEnabled: r.type_enabled ?? false
				}),
				usedToday: r.used_today
			});
		}
		return map;
	}

	/** When the next pending job of these types falls due (after now), or null if none is waiting. */
	async nextRunAt(jobTypes: string[]): Promise<Date | null> {
		const [row] = await this.sql<{ at: Date | null }[]>`select public.next_job_run_at(${jobTypes}::text[]) as at`;
		return row?.at ?? null;
	}

	async completeJob(jobId: string, workerId: string): Promise<boolean> {
		const [row] = await this.sql<{ ok: boolean }[]>`select public.complete_job(${jobId}, ${workerId}) as ok`;
		return row.ok;
	}

	async failJob(jobId: string, workerId: string, error: string): Promise<boolean> {
		const [row] = await this.sql<{ ok: boolean }[]>`select public.fail_job(${jobId}, ${workerId}, ${error}) as ok`;
		return row.ok;
	}

	/** Returns 'pending' (will run again at runAt), 'failed' (attempts used up), or null (lease lost). */
	async retryJob(jobId: string, workerId: string, error: string, runAt: Date): Promise<'pending' | 'failed' | null> {
		const rows = await this.sql<{ status: 'pending' | 'failed' }[]>`
			select status from public.retry_job(${jobId}, ${workerId}, ${error}, ${runAt}) as status`;
		return rows[0]?.status ?? null;
	}

	async releaseJobs(workerId: string, jobIds: string[]): Promise<number> {
		if (jobIds.length === 0) return 0;
		const [row] = await this.sql<{ n: number }[]>`select public.release_jobs(${workerId}, ${jobIds}::uuid[]) as n`;
		return row.n;
	}

	/** Suppress the message and complete its job, atomically (one statement). */
	async suppress(options: { jobId: string; workerId: string; messageId: string; reason: string }): Promise<void> {
		await this.sql`
			select public.mark_sms_suppressed(${options.messageId}, ${options.reason}),
			       public.complete_job(${options.jobId}, ${options.workerId})`;
	}

	/** Show the message as scheduled (until, why) and move its job's run_at there. */
	async defer(options: { jobId: string; workerId: string; messageId: string; until: Date; reason: string }): Promise<void> {
		await this.sql`
			select public.mark_sms_scheduled(${options.messageId}, ${options.until}, ${options.reason}),
			       public.reschedule_job(${options.jobId}, ${options.workerId}, ${options.until})`;
	}

	/**
	 * Twilio certainly did not take the text: the message shows `scheduled` (why, until when)
	 * and the job runs again at runAt, the attempt counted.
	 */
	async retryLater(options: { jobId: string; workerId: string; messageId: string; runAt: Date; reason: string; error: string }): Promise<void> {
		await this.sql`
			select public.mark_sms_scheduled(${options.messageId}, ${options.runAt}, ${options.reason}),
			       public.retry_job(${options.jobId}, ${options.workerId}, ${options.error}, ${options.runAt})`;
	}

	/**
	 * For a batch of texts about to be sent: reserve each user's daily slot and, where that
	 * succeeded, mark the message `dispatching` and record the slot's day, in ONE transaction
	 * (sms_begin_dispatch), durable before any Twilio call. A text that is no longer sendable
	 * reserves nothing.
	 */
	async beginDispatch(rows: { messageId: string; localDate: string; limit: number; provider: ProviderId }[]): Promise<Map<string, DispatchStart>> {
		// sms_begin_dispatch, plus an open attempt at the chosen provider for each text it started.
		const result = await this.sql<{ message_id: string; outcome: DispatchStart['outcome']; previous: MessageStatus | null }[]>`
			select message_id, outcome, previous from public.sms_begin_provider_dispatch(
				${rows.map((r) => r.messageId)}::uuid[], ${rows.map((r) => r.localDate)}::date[], ${rows.map((r) => r.limit)}::int[],
				${rows.map((r) => r.provider)}::text[])`;
		return new Map(result.map((r) => [r.message_id, { outcome: r.outcome, previous: r.previous }]));
	}

	/** Before failing over: an open attempt at the next provider; false when the text is not ours to send now. */
	async startAttempt(messageId: string, provider: ProviderId): Promise<boolean> {
		const [row] = await this.sql<{ id: string | null }[]>`select public.sms_start_attempt(${messageId}, ${provider}) as id`;
		return row.id !== null;
	}

	/** The answer to an open attempt: refused (certainly not accepted) or unknown (it stays open). */
	async finishAttempt(
		messageId: string,
		provider: ProviderId,
		outcome: 'refused' | 'unknown',
		error: ProviderError | null,
		message?: string
	): Promise<void> {
		await this.sql`
			select public.sms_finish_attempt(${messageId}, ${provider}, ${outcome}, null, ${error?.kind ?? null},
			       ${error?.code === null || error?.code === undefined ? null : String(error.code)}, ${redactOrNull(error?.message ?? message)})`;
	}

	/**
	 * Where an interrupted send may be: the providers with an open attempt. `recorded` false
	 * means the text has no attempt at all (dispatched before attempts existed): Twilio, then.
	 */
	async openAttempts(messageId: string): Promise<{ recorded: boolean; providers: ProviderId[] }> {
		const rows = await this.sql<{ provider: string; open: boolean }[]>`
			select provider, bool_or(outcome in ('sending', 'unknown')) as open
			from public.sms_send_attempts where message_id = ${messageId} group by provider`;
		return {
			recorded: rows.length > 0,
			providers: rows.filter((r) => r.open && isProviderId(r.provider)).map((r) => r.provider as ProviderId)
		};
	}

	/** Each workspace's provider rows with the API key (service role only reads the secrets). */
	async providerConfigs(organizationIds: string[]): Promise<ProviderConfigRow[]> {
		const rows = await this.sql<
			{ organization_id: string; provider: string; position: number; enabled: boolean; base_url: string | null; sender: string | null; countries: string[]; api_key: string | null }[]
		>`
			select p.organization_id, p.provider, p.position, p.enabled, p.base_url, p.sender, p.countries, s.api_key
			from public.workspace_providers p
			left join public.workspace_provider_secrets s on s.provider_id = p.id
			where p.organization_id = any(${organizationIds}::uuid[])`;
		return rows.map((r) => ({
			organizationId: r.organization_id,
			provider: r.provider,
			position: r.position,
			enabled: r.enabled,
			baseUrl: r.base_url,
			sender: r.sender,
			countries: r.countries,
			apiKey: r.api_key
		}));
	}

	/** No provider has it: open attempts closed, slot back and sendable again, one transaction, idempotent. */
	async recoverUnsent(messageId: string): Promise<boolean> {
		const [row] = await this.sql<{ changed: boolean }[]>`select public.sms_recover_unsent_attempts(${messageId}) as changed`;
		return row.changed;
	}

	/** Several identical texts at Twilio: keep the text `dispatching`, say why, dead-letter the job. */
	async holdForReview(options: { jobId: string; workerId: string; messageId: string; candidates: string[]; error: string }): Promise<void> {
		await this.sql`
			select public.sms_hold_for_review(${options.messageId}, ${options.candidates}::text[]),
			       public.fail_job(${options.jobId}, ${options.workerId}, ${options.error})`;
	}

	/** Which of these references of one provider are already stored on one of our texts. */
	async storedReferences(provider: ProviderId, references: string[]): Promise<Set<string>> {
		if (references.length === 0) return new Set();
		const rows = await this.sql<{ provider_reference: string }[]>`
			select provider_reference from public.sms_messages
			where provider = ${provider} and provider_reference = any(${references}::text[])`;
		return new Set(rows.map((r) => r.provider_reference));
	}

	/**
	 * Stores many Twilio answers and completes their jobs in one transaction. Asynchronous
	 * commit is safe here: if Postgres lost this commit in a crash, the messages would be
	 * `dispatching` again and the recovery lookup would find them at Twilio.
	 */
	async attachAndCompleteMany(items: { jobId: string; messageId: string; result: SendResultRow }[], workerId: string): Promise<void> {
		// In (provider, reference) order: the attach takes the reference's lock first, as the
		// webhooks' writers do in the same order, so an attach batch and a callback batch cannot deadlock.
		const key = (i: { result: SendResultRow }) => `${i.result.provider}\u0000${i.result.reference}`;
		const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
		await this.sql.begin(async (tx) => {
			await tx`set local synchronous_commit = off`;
			await tx`
				select public.sms_attach_dispatched(r.message_id, r.provider, r.reference, r.provider_status, r.status,
				                                    r.segments, r.encoding, r.price, r.price_unit, 'accepted')
				from (
				  select * from unnest(
				    ${sorted.map((i) => i.messageId)}::uuid[], ${sorted.map((i) => i.result.provider)}::text[],
				    ${sorted.map((i) => i.result.reference)}::text[],
				    ${sorted.map((i) => i.result.providerStatus)}::text[], ${sorted.map((i) => i.result.status)}::text[],
				    ${sorted.map((i) => i.result.segments)}::int[],
				    ${sorted.map((i) => i.result.encoding)}::text[], ${sorted.map((i) => i.result.price)}::numeric[],
				    ${sorted.map((i) => i.result.priceUnit)}::text[])
				    as u(message_id, provider, reference, provider_status, status, segments, encoding, price, price_unit)
				  order by u.provider, u.reference
				  offset 0
				) r`;
			await tx`select public.complete_jobs(${sorted.map((i) => i.jobId)}::uuid[], ${workerId})`;
		});
	}

	/** Stores what a recovery lookup found at the provider (applying any report that raced ahead) and completes the job. */
	async attachAndComplete(options: {
		jobId: string;
		workerId: string;
		messageId: string;
		result: SendResultRow;
	}): Promise<void> {
		const r = options.result;
		await this.sql`
			select public.sms_attach_dispatched(${options.messageId}, ${r.provider}, ${r.reference}, ${r.providerStatus},
			                                    ${r.status}, ${r.segments}, ${r.encoding}, ${r.price}::numeric, ${r.priceUnit}, 'found'),
			       public.complete_job(${options.jobId}, ${options.workerId})`;
	}

	/** A permanent failure: the message shows `failed` with Twilio's code, the job is dead-lettered. */
	async failMessage(options: {
		jobId: string;
		workerId: string;
		messageId: string;
		errorCode: number | null;
		errorMessage: string;
		jobError: string;
	}): Promise<void> {
		await this.sql`
			select public.mark_sms_failed(${options.messageId}, ${options.errorCode}, ${options.errorMessage}),
			       public.fail_job(${options.jobId}, ${options.workerId}, ${options.jobError})`;
	}

	async recordOptOut(phoneNumber: string): Promise<void> {
		await this.sql`select public.record_phone_opt_out(${phoneNumber}, true, 'twilio_21610', null)`;
	}

	/** Messages Twilio has not given a final word on (or a price for) after `olderThanSeconds`. */
	async reconcileCandidates(options: { olderThanSeconds: number; giveUpSeconds: number; limit: number }): Promise<ReconcileCandidate[]> {
		const rows = await this.sql<{ id: string; twilio_sid: string; status: MessageStatus }[]>`
			select m.id, m.twilio_sid, m.status
			from public.sms_messages m
			where m.twilio_sid is not null
			  and m.direction = 'outbound'
			  and m.created_at > now() - make_interval(secs => ${options.giveUpSeconds})
			  and m.updated_at < now() - make_interval(secs => ${options.olderThanSeconds})
			  and (public.sms_status_phase(m.status) = 'with_provider'
			       or (public.sms_status_awaits_price(m.status) and m.price is null))
			  -- Not polled recently: otherwise the same rows would be fetched every round.
			  and not exists (
			    select 1 from public.sms_delivery_events e
			    where e.message_id = m.id and e.source = 'poll'
			      and e.received_at > now() - make_interval(secs => ${options.olderThanSeconds}))
			order by m.updated_at
			limit ${options.limit}`;
		return rows.map((r) => ({ messageId: r.id, sid: r.twilio_sid, status: r.status }));
	}

	async applyPolledStatus(options: {
		sid: string;
		status: string;
		errorCode: number | null;
		errorMessage: string | null;
		payload: Record<string, unknown>;
		price: string | null;
		priceUnit: string | null;
	}): Promise<ApplyStatusResult> {
		const [row] = await this.sql<{ result: ApplyStatusResult }[]>`
			select public.apply_sms_status(${options.sid}, ${options.status}, ${options.errorCode},
			       ${options.errorMessage}, ${this.sql.json(options.payload as never)}, 'poll', null,
			       ${options.price}::numeric, ${options.priceUnit}) as result`;
		return row.result;
	}

	/** The system-wide daily ceiling (sms_max_daily_limit()): the hard cap unless configured. */
	async maxDailyLimit(): Promise<number> {
		const [row] = await this.sql<{ max: number }[]>`select public.sms_max_daily_limit() as max`;
		return row.max;
	}

	async queueDepth(): Promise<number> {
		const [row] = await this.sql<{ n: number }[]>`
			select count(*)::int as n from public.queue_jobs
			where job_type = 'send_sms' and status = 'pending' and run_at <= now()`;
		return row.n;
	}

	async ping(): Promise<void> {
		try {
			await this.sql`select 1`;
		} catch (cause) {
			throw new StoreError('database unreachable', { cause });
		}
	}
}

/** A provider's error message as stored: any number it quotes cut to its last four. */
function redactOrNull(message: string | undefined): string | null {
	return message === undefined ? null : redactPhoneNumbers(message);
}
