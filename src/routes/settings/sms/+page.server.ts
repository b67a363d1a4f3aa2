import { fail, redirect, type RequestEvent } from '@sveltejs/kit';
import { decideDelivery, deliveryPrefs, localDate, phoneCountry } from '@sms/twilio-service';
import type { Claims } from '@sms/db';
import { config } from '$lib/server/config';
import { db } from '$lib/server/db';
import { log } from '$lib/server/log';
import { verificationDeps } from '$lib/server/sms/app-deps';
import { adoptDeviceTimeZone, loadSettings, PreferencesError, savePreferences, setOptedOut, usedOn } from '$lib/server/sms/preferences';
import { queueTestText, TestTextError } from '$lib/server/sms/test-text';
import {
	confirmPhoneVerification,
	pendingVerification,
	startPhoneVerification,
	VerificationError
} from '$lib/server/sms/verification';
import { countryOptions } from '$lib/countries';
import { previewSentence } from '$lib/delivery-preview';
import { loginUrl } from '$lib/redirect';
import { codeFormSchema, fieldErrors, phoneFormSchema, preferencesFormSchema, preferencesFromForm } from '$lib/sms-forms';
import { timeZoneOptions } from '$lib/time-zones';
import type { Actions, PageServerLoad } from './$types';

function signedIn(event: Pick<RequestEvent, 'locals' | 'url'>): { userId: string; claims: Claims } {
	const { user, claims } = event.locals;
	if (!user || !claims) redirect(303, loginUrl(event.url));
	return { userId: user.id, claims };
}

export const load: PageServerLoad = async (event) => {
	const { userId, claims } = signedIn(event);
	const settings = await db().asUser(claims, (tx) => loadSettings(tx, { userId }));
	const now = new Date();
	const pending =
		settings.phoneNumber && !settings.phoneVerified
			? await pendingVerification(verificationDeps(), { userId, phoneNumber: settings.phoneNumber })
			: null;
	const usedToday = await usedOn(db(), { userId, localDate: localDate(now, settings.timeZone) });
	const custom = settings.types.find((t) => t.key === 'custom');
	const decision = decideDelivery({
		now,
		prefs: deliveryPrefs({
			timeZone: settings.timeZone,
			quietHoursStart: settings.quietHoursStart,
			quietHoursEnd: settings.quietHoursEnd,
			dailyLimit: settings.dailyLimit,
			userOptedOut: settings.optedOut,
			numberOptedOut: settings.numberOptOut?.optedOut ?? false,
			phoneVerified: settings.phoneVerified,
			typeEnabled: true
		}),
		type: { key: custom?.key ?? 'custom', bypassesQuietHours: false },
		priority: 'normal',
		usedToday,
		hardCap: settings.maxDailyLimit
	});
	return {
		settings,
		usedToday,
		preview: previewSentence({ decision, now, timeZone: settings.timeZone }),
		pending: pending && { phoneNumber: pending.phoneNumber, resendAt: pending.resendAt.toISOString() },
		country: (settings.phoneNumber && phoneCountry(settings.phoneNumber)) || config().DEFAULT_COUNTRY,
		countries: countryOptions(),
		timeZones: timeZoneOptions()
	};
};

function verificationFailure(action: 'sendCode' | 'verify', error: VerificationError, values: Record<string, string>) {
	return fail(error.status, {
		action,
		values,
		errors: { [error.field ?? 'form']: error.message },
		code: error.code,
		retryAfterSeconds: error.retryAfterSeconds
	});
}

export const actions: Actions = {
	sendCode: async (event) => {
		const { userId, claims } = signedIn(event);
		const form = await event.request.formData();
		const values = { country: String(form.get('country') ?? ''), phone: String(form.get('phone') ?? '') };
		const parsed = phoneFormSchema.safeParse(values);
		if (!parsed.success) return fail(400, { action: 'sendCode' as const, values, errors: fieldErrors(parsed.error) });
		try {
			const result = await startPhoneVerification(verificationDeps(), {
				userId,
				phone: parsed.data.phone,
				country: parsed.data.country,
				ip: event.getClientAddress()
			});
			await adoptDeviceTimeZone(db(), { claims, userId, timeZone: String(form.get('device_time_zone') ?? '') });
			return {
				action: 'sendCode' as const,
				values,
				phoneNumber: result.phoneNumber,
				resendAt: result.resendAt.toISOString(),
				message: `We sent a code to ${result.phoneNumber}. It can take a minute to arrive.`
			};
		} catch (error) {
			if (error instanceof VerificationError) return verificationFailure('sendCode', error, values);
			throw error;
		}
	},

	verify: async (event) => {
		const { userId } = signedIn(event);
		const form = await event.request.formData();
		const values = {
			country: String(form.get('country') ?? ''),
			phone: String(form.get('phone') ?? ''),
			code: String(form.get('code') ?? '')
		};
		const parsed = codeFormSchema.safeParse(values);
		if (!parsed.success) return fail(400, { action: 'verify' as const, values, errors: fieldErrors(parsed.error) });
		try {
			const result = await confirmPhoneVerification(verificationDeps(), {
				userId,
				phone: parsed.data.phone,
				country: parsed.data.country,
				code: parsed.data.code,
				ip: event.getClientAddress()
			});
			return { action: 'verify' as const, message: `${result.phoneNumber} is verified. You can now get texts.` };
		} catch (error) {
			if (error instanceof VerificationError) return verificationFailure('verify', error, { ...values, code: '' });
			throw error;
		}
	},

	savePreferences: async (event) => {
		const { userId, claims } = signedIn(event);
		const form = await event.request.formData();
		const current = await db().asUser(claims, (tx) => loadSettings(tx, { userId }));
		const typeKeys = current.types.map((t) => t.key);
		const raw = preferencesFromForm(form, typeKeys);
		const parsed = preferencesFormSchema({ maxDailyLimit: current.maxDailyLimit, typeKeys }).safeParse(raw);
		if (!parsed.success) {
			return fail(400, { action: 'savePreferences' as const, prefValues: raw, errors: fieldErrors(parsed.error) });
		}
		try {
			await db().asUser(claims, (tx) => savePreferences(tx, { userId, update: parsed.data }));
		} catch (error) {
			if (error instanceof PreferencesError) {
				return fail(400, { action: 'savePreferences' as const, prefValues: raw, errors: { [error.field]: error.message } });
			}
			throw error;
		}
		return { action: 'savePreferences' as const, message: 'Preferences saved.' };
	},

	optOut: async (event) => {
		const { userId, claims } = signedIn(event);
		await setOptedOut(db(), { claims, userId, optedOut: true });
		log.info({ userId }, 'opted out in settings');
		return { action: 'optOut' as const, message: 'You are opted out. We will not text you until you opt back in.' };
	},

	optIn: async (event) => {
		const { userId, claims } = signedIn(event);
		await setOptedOut(db(), { claims, userId, optedOut: false });
		log.info({ userId }, 'opted back in in settings');
		return { action: 'optIn' as const, message: 'You are opted back in.' };
	},

	sendTest: async (event) => {
		const { userId } = signedIn(event);
		try {
			const { messageId } = await queueTestText(db(), { userId });
			return {
				action: 'sendTest' as const,
				messageId,
				message: 'Test text queued.'
			};
		} catch (error) {
			if (error instanceof TestTextError) {
				return fail(error.code === 'rate_limited' ? 429 : 400, {
					action: 'sendTest' as const,
					errors: { test: error.message },
					retryAfterSeconds: error.retryAfterSeconds
				});
			}
			throw error;
		}
	}
};
