import { randomInt } from 'node:crypto';
import { iso8601 } from './dates.ts';
import { newSid } from './ids.ts';
import { E164 } from './outcomes.ts';
import { TwilioApiError } from './twilio-error.ts';

export interface Verification {
	sid: string;
	serviceSid: string;
	to: string;
	channel: string;
	code: string;
	status: 'pending' | 'approved' | 'canceled';
	wrongChecks: number;
	createdAt: number;
	updatedAt: number;
	expiresAt: number;
	sendAttempts: { sid: string; time: number }[];
}

export interface VerifyOptions {
	/** When set, only this service exists; otherwise any VA… SID is accepted. */
	serviceSid?: string;
	ttlMs: number;
	maxSendsPerWindow: number;
	sendWindowMs: number;
	maxWrongChecks: number;
	now: () => number;
	/** Puts the code text into the phone's inbox. */
	deliverCode: (to: string, code: string) => void;
}

const notFound = (path: string) =>
	new TwilioApiError({
		code: 20404,
		status: 404,
		message: `The requested resource ${path} was not found`
	});

const invalidParameter = (name: string) =>
	new TwilioApiError({ code: 60200, status: 400, message: `Invalid parameter \`${name}\`` });

/** Verify v2: one pending verification per (service, number), Twilio's limits and codes. */
export class VerifyService {
	private verifications = new Map<string, Verification>();
	private sends = new Map<string, number[]>();

	constructor(private readonly options: VerifyOptions) {}

	start(serviceSid: string, params: URLSearchParams): Verification {
		this.assertService(serviceSid, 'Verifications');
		const to = params.get('To') ?? '';
		const channel = (params.get('Channel') ?? 'sms').toLowerCase();
		if (!E164.test(to)) throw invalidParameter('To');
		if (channel !== 'sms') throw invalidParameter('Channel');

		const now = this.options.now();
		const key = `${serviceSid}|${to}`;
		const recent = (this.sends.get(key) ?? []).filter((t) => now - t < this.options.sendWindowMs);
		if (recent.length >= this.options.maxSendsPerWindow) {
			this.sends.set(key, recent);
			throw new TwilioApiError({ code: 60203, status: 429, message: 'Max send attempts reached' });
		}
		recent.push(now);
		this.sends.set(key, recent);

		let v = this.live(key, now);
		if (!v || v.status !== 'pending') {
			v = {
				sid: newSid('VE'),
				serviceSid,
				to,
				channel,
				code: String(randomInt(0, 1_000_000)).padStart(6, '0'),
				status: 'pending',
				wrongChecks: 0,
				createdAt: now,
				updatedAt: now,
				expiresAt: now + this.options.ttlMs,
				sendAttempts: []
			};
			this.verifications.set(key, v);
		}
		// A resend while pending repeats the same code, as Twilio does.
		v.sendAttempts.push({ sid: newSid('VL'), time: now });
		v.updatedAt = now;
		this.options.deliverCode(to, v.code);
		return v;
	}

	check(serviceSid: string, params: URLSearchParams): Verification {
		this.assertService(serviceSid, 'VerificationCheck');
		const code = params.get('Code');
		const to = params.get('To');
		const verificationSid = params.get('VerificationSid');
		if (!code) throw invalidParameter('Code');
		if (!to && !verificationSid) throw invalidParameter('To');

		const now = this.options.now();
		const v = to ? this.live(`${serviceSid}|${to}`, now) : this.bySid(verificationSid ?? '', now);
		if (!v || v.status !== 'pending' || (verificationSid && v.sid !== verificationSid)) {
			throw notFound(`/Services/${serviceSid}/VerificationCheck`);
		}
		if (v.wrongChecks >= this.options.maxWrongChecks) {
			throw new TwilioApiError({ code: 60202, status: 429, message: 'Max check attempts reached' });
		}
		v.updatedAt = now;
		if (code === v.code) {
			v.status = 'approved';
			// An approved verification is gone: a second check answers 404, as on Twilio.
			this.verifications.delete(`${serviceSid}|${v.to}`);
		} else {
			v.wrongChecks++;
		}
		return v;
	}

	/** The newest verification for a number (any service), for the control API. */
	latest(to: string): Verification | undefined {
		let found: Verification | undefined;
		for (const v of this.verifications.values()) {
			if (v.to === to && (!found || v.createdAt >= found.createdAt)) found = v;
		}
		return found;
	}

	all(): Verification[] {
		return [...this.verifications.values()];
	}

	clear(): void {
		this.verifications.clear();
		this.sends.clear();
	}

	private live(key: string, now: number): Verification | undefined {
		const v = this.verifications.get(key);
		if (v && now >= v.expiresAt) {
			this.verifications.delete(key);
			return undefined;
		}
		return v;
	}

	private bySid(sid: string, now: number): Verification | undefined {
		for (const [key, v] of this.verifications) {
			if (v.sid === sid) return this.live(key, now);
		}
		return undefined;
	}

	private assertService(serviceSid: string, resource: string): void {
		const configured = this.options.serviceSid;
		if ((configured && serviceSid !== configured) || !/^VA[0-9a-f]{32}$/i.test(serviceSid)) {
			throw notFound(`/Services/${serviceSid}/${resource}`);
		}
	}
}

export function verificationJson(v: Verification, accountSid: string) {
	return {
		sid: v.sid,
		service_sid: v.serviceSid,
		account_sid: accountSid,
		to: v.to,
		channel: v.channel,
		status: v.status,
		valid: v.status === 'approved',
		lookup: {},
		amount: null,
		payee: null,
		send_code_attempts: v.sendAttempts.map((a) => ({
			attempt_sid: a.sid,
			channel: v.channel,
			time: iso8601(a.time)
		})),
		sna: null,
		date_created: iso8601(v.createdAt),
		date_updated: iso8601(v.updatedAt),
		url: `https://verify.twilio.com/v2/Services/${v.serviceSid}/Verifications/${v.sid}`
	};
}

export function verificationCheckJson(v: Verification, accountSid: string) {
	return {
		sid: v.sid,
		service_sid: v.serviceSid,
		account_sid: accountSid,
		to: v.to,
		channel: v.channel,
		status: v.status,
		valid: v.status === 'approved',
		amount: null,
		payee: null,
		sna_attempts_error_codes: [],
		date_created: iso8601(v.createdAt),
		date_updated: iso8601(v.updatedAt)
	};
}
