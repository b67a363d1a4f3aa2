import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { ProviderId } from '../port.ts';

/** One row of a workspace's provider list (public.workspace_providers), secrets aside. */
export interface RouteEntry {
	provider: ProviderId;
	/** 1 is tried first. */
	position: number;
	enabled: boolean;
	/** ISO 3166 alpha-2 destinations this provider serves; empty = every country. */
	countries: readonly string[];
}

/** The destination's country (ISO alpha-2), or null when the number does not say. */
export function destinationCountry(e164: string): string | null {
	return parsePhoneNumberFromString(e164)?.country ?? null;
}

/**
 * The providers to try for one text, in order: enabled, serving the destination's country
 * (a provider with no countries serves all), by position. Position alone orders them, so the
 * admin's order is what happens; country rules only include or exclude. A number whose country
 * is unknown goes only to providers without country rules. A workspace with no list at all
 * sends through Twilio, as before providers existed.
 */
export function routeFor(entries: readonly RouteEntry[], to: string): ProviderId[] {
	if (entries.length === 0) return ['twilio'];
	const country = destinationCountry(to);
	return [...entries]
		.filter((e) => e.enabled && (e.countries.length === 0 || (country !== null && e.countries.includes(country))))
		.sort((a, b) => a.position - b.position)
		.map((e) => e.provider);
}
