import type { Db } from '@sms/db';
import type { CarrierPrice } from '@sms/twilio-service';

export interface StoredPrice {
	isoCountry: string;
	countryName: string | null;
	known: boolean;
	priceUnit: string | null;
	outboundPrice: number | null;
	carriers: CarrierPrice[];
	fetchedAt: Date;
	expiresAt: Date;
}

interface Row {
	iso_country: string;
	country_name: string | null;
	known: boolean;
	price_unit: string | null;
	outbound_price: string | null;
	carriers: CarrierPrice[];
	fetched_at: Date;
	expires_at: Date;
}

function fromRow(r: Row): StoredPrice {
	return {
		isoCountry: r.iso_country,
		countryName: r.country_name,
		known: r.known,
		priceUnit: r.price_unit,
		outboundPrice: r.outbound_price === null ? null : Number(r.outbound_price),
		carriers: r.carriers,
		fetchedAt: r.fetched_at,
		expiresAt: r.expires_at
	};
}

/** sms_pricing, written as the service role (only the server fetches prices). */
export class PricingStore {
	constructor(private readonly db: Db) {}

	async load(countries: string[]): Promise<Map<string, StoredPrice>> {
		if (countries.length === 0) return new Map();
		const rows = await this.db.asService(
			(tx) => tx<Row[]>`select * from public.sms_pricing where iso_country = any(${countries}::text[])`
		);
		return new Map(rows.map((r) => [r.iso_country, fromRow(r)]));
	}

	async save(price: StoredPrice): Promise<void> {
		await this.db.asService(
			(tx) => tx`
				insert into public.sms_pricing
					(iso_country, country_name, known, price_unit, outbound_price, carriers, fetched_at, expires_at)
				values (${price.isoCountry}, ${price.countryName}, ${price.known}, ${price.priceUnit},
					${price.outboundPrice}, ${tx.json(price.carriers as never)}, ${price.fetchedAt}, ${price.expiresAt})
				on conflict (iso_country) do update set
					country_name = excluded.country_name, known = excluded.known, price_unit = excluded.price_unit,
					outbound_price = excluded.outbound_price, carriers = excluded.carriers,
					fetched_at = excluded.fetched_at, expires_at = excluded.expires_at`
		);
	}

	/** The configured default price, where the SQL API's estimates and the spend cap read it (null: none). */
	async saveDefaultPrice(price: { unitPrice: number; currency: string } | null): Promise<void> {
		await this.db.asService((tx) => tx`select public.set_sms_default_price(${price?.unitPrice ?? null}, ${price?.currency ?? 'USD'})`);
	}
}
