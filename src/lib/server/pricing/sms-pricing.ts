import type { Db } from '@sms/db';
import { TwilioServiceError, type MessagingPrice } from '@sms/twilio-service';
import type { Logger } from 'pino';
import { ageInWords } from './age.ts';
import { PricingStore, type StoredPrice } from './store.ts';

export const PRICE_TTL_MS = 24 * 60 * 60 * 1000;

/** Where a quoted price came from; the UI labels anything but cache/live. */
export type PriceSource = 'live' | 'cache' | 'stale' | 'default' | 'unknown';

export interface PriceQuote {
	country: string;
	/** Per segment; null when nothing is known and no default is configured. */
	unitPrice: number | null;
	currency: string;
	source: PriceSource;
	fetchedAt: Date | null;
	/** Words for the estimate when it is not from a fresh price, e.g. "estimate from prices fetched 3 days ago". */
	note: string | null;
}

export interface SmsPricingOptions {
	db: Db;
	/** TwilioClient (or anything with its messagingPrice). */
	twilio: { messagingPrice(isoCountry: string): Promise<MessagingPrice> };
	/** The configured price per segment when Twilio's cannot be had (SMS_DEFAULT_PRICE). */
	defaultPrice?: { unitPrice: number; currency: string } | null;
	/** Price the sender's number type ("local", "toll free", "mobile", "shortcode") when Twilio lists it. */
	numberType?: string;
	ttlMs?: number;
	now?: () => Date;
	log?: Pick<Logger, 'warn'>;
}

const ISO = /^[A-Z]{2}$/;

/**
 * Twilio's messaging prices per destination country, cached in sms_pricing for 24 hours.
 * When Twilio cannot be reached the last known price is used, and said so; without one, the
 * configured default; a country Twilio lists no price for is remembered as such.
 */
export class SmsPricing {
	private readonly store: PricingStore;
	private readonly ttlMs: number;
	private readonly now: () => Date;
	/** The default price written to the database once per process (before the first quote). */
	private defaultSaved: Promise<void> | null = null;

	constructor(private readonly options: SmsPricingOptions) {
		this.store = new PricingStore(options.db);
		this.ttlMs = options.ttlMs ?? PRICE_TTL_MS;
		this.now = options.now ?? (() => new Date());
	}

	async priceFor(country: string): Promise<PriceQuote> {
		return (await this.pricesFor([country])).get(country.toUpperCase()) as PriceQuote;
	}

	/** One quote per country (keys upper-cased); Twilio is asked only for missing or expired ones. */
	async pricesFor(countries: string[]): Promise<Map<string, PriceQuote>> {
		await this.saveDefaultPrice();
		const wanted = [...new Set(countries.map((c) => c.toUpperCase()))];
		const valid = wanted.filter((c) => ISO.test(c));
		const stored = await this.store.load(valid);
		const quotes = new Map<string, PriceQuote>();
		for (const country of wanted) {
			if (!ISO.test(country)) {
				quotes.set(country, this.fallback(country, null, `no country could be told for these numbers`));
				continue;
			}
			const row = stored.get(country);
			if (row && row.expiresAt > this.now()) quotes.set(country, this.quote(row, 'cache'));
			else quotes.set(country, await this.refresh(country, row));
		}
		return quotes;
	}

	/** Campaign estimates and the spend cap (SQL) price unknown countries at the same default. */
	private saveDefaultPrice(): Promise<void> {
		this.defaultSaved ??= this.store.saveDefaultPrice(this.options.defaultPrice ?? null).catch((error: unknown) => {
			this.defaultSaved = null;
			this.options.log?.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not store the default price');
		});
		return this.defaultSaved;
	}

	private async refresh(country: string, previous: StoredPrice | undefined): Promise<PriceQuote> {
		let price: MessagingPrice;
		try {
			price = await this.options.twilio.messagingPrice(country);
		} catch (error) {
			if (error instanceof TwilioServiceError && error.status === 404) {
				const fetchedAt = this.now();
				await this.store.save({
					isoCountry: country, countryName: null, known: false, priceUnit: null, outboundPrice: null,
					carriers: [], fetchedAt, expiresAt: new Date(fetchedAt.getTime() + this.ttlMs)
				});
				return this.fallback(country, null, `Twilio lists no SMS price for ${country}`);
			}
			this.options.log?.warn({ err: error, country }, 'Twilio pricing unavailable; using the last known price');
			if (previous?.known) {
				const quote = this.quote(previous, 'stale');
				return { ...quote, note: `estimate from prices fetched ${ageInWords(previous.fetchedAt, this.now())}` };
			}
			return this.fallback(country, 'default', "Twilio's prices could not be fetched");
		}
		const fetchedAt = this.now();
		const row: StoredPrice = {
			isoCountry: country,
			countryName: price.country,
			known: true,
			priceUnit: price.priceUnit,
			outboundPrice: price.outboundSmsPrice,
			carriers: price.carriers,
			fetchedAt,
			expiresAt: new Date(fetchedAt.getTime() + this.ttlMs)
		};
		await this.store.save(row);
		return this.quote(row, 'live');
	}

	private quote(row: StoredPrice, source: 'live' | 'cache' | 'stale'): PriceQuote {
		if (!row.known) return this.fallback(row.isoCountry, null, `Twilio lists no SMS price for ${row.isoCountry}`);
		const unitPrice = this.pick(row);
		if (unitPrice === null) return this.fallback(row.isoCountry, null, `Twilio lists no outbound SMS price for ${row.isoCountry}`);
		return { country: row.isoCountry, unitPrice, currency: row.priceUnit ?? 'USD', source, fetchedAt: row.fetchedAt, note: null };
	}

	/** The highest current price for the sender's number type, else across all types: an estimate errs high. */
	private pick(row: StoredPrice): number | null {
		const prices = row.carriers.flatMap((c) => c.prices);
		const type = this.options.numberType?.toLowerCase();
		const ofType = type ? prices.filter((p) => p.numberType?.toLowerCase() === type) : [];
		const candidates = (ofType.length > 0 ? ofType : prices).map((p) => p.currentPrice).filter((p) => p !== null);
		if (candidates.length > 0) return Math.max(...candidates);
		return row.outboundPrice;
	}

	private fallback(country: string, source: 'default' | null, why: string): PriceQuote {
		const fallback = this.options.defaultPrice ?? null;
		if (!fallback) {
			return { country, unitPrice: null, currency: 'USD', source: source ?? 'unknown', fetchedAt: null, note: `${why}; no default price is configured` };
		}
		return {
			country,
			unitPrice: fallback.unitPrice,
			currency: fallback.currency,
			source: source ?? 'unknown',
			fetchedAt: null,
			note: `${why}: estimated at the default price of ${fallback.unitPrice} ${fallback.currency} a segment`
		};
	}
}
