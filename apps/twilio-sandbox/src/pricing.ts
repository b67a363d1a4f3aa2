/**
 * A small, fixed price list (USD per outbound segment). Real prices change; the sandbox
 * only needs plausible numbers in Twilio's shapes.
 */
interface CountryPrice {
	isoCountry: string;
	country: string;
	callingCode: string;
	outbound: { carrier: string; mcc: string; mnc: string; price: string }[];
	inbound: string;
}

export const PRICES: readonly CountryPrice[] = [
	{
		isoCountry: 'US',
		country: 'United States',
		callingCode: '1',
		outbound: [
			{ carrier: 'Verizon Wireless', mcc: '311', mnc: '480', price: '0.0079' },
			{ carrier: 'T-Mobile USA, Inc.', mcc: '310', mnc: '260', price: '0.0079' },
			{ carrier: 'AT&T Wireless', mcc: '310', mnc: '410', price: '0.0079' }
		],
		inbound: '0.0079'
	},
	{
		isoCountry: 'CA',
		country: 'Canada',
		callingCode: '1',
		outbound: [{ carrier: 'Rogers', mcc: '302', mnc: '720', price: '0.0083' }],
		inbound: '0.0079'
	},
	{
		isoCountry: 'GB',
		country: 'United Kingdom',
		callingCode: '44',
		outbound: [{ carrier: 'Vodafone', mcc: '234', mnc: '15', price: '0.0524' }],
		inbound: '0.0075'
	},
	{
		isoCountry: 'DE',
		country: 'Germany',
		callingCode: '49',
		outbound: [{ carrier: 'Telekom', mcc: '262', mnc: '01', price: '0.0887' }],
		inbound: '0.0075'
	},
	{
		isoCountry: 'FR',
		country: 'France',
		callingCode: '33',
		outbound: [{ carrier: 'Orange', mcc: '208', mnc: '01', price: '0.0798' }],
		inbound: '0.0075'
	},
	{
		isoCountry: 'AU',
		country: 'Australia',
		callingCode: '61',
		outbound: [{ carrier: 'Telstra', mcc: '505', mnc: '01', price: '0.0515' }],
		inbound: '0.0075'
	},
	{
		isoCountry: 'IN',
		country: 'India',
		callingCode: '91',
		outbound: [{ carrier: 'Jio', mcc: '405', mnc: '840', price: '0.0832' }],
		inbound: '0.0075'
	}
];

const byIso = new Map(PRICES.map((p) => [p.isoCountry, p]));

/** Pricing v1 Messaging Country resource JSON, or undefined for a country not in the list. */
export function messagingCountryJson(isoCountry: string, version: 'v1' | 'v2') {
	const p = byIso.get(isoCountry.toUpperCase());
	if (!p) return undefined;
	return {
		country: p.country,
		iso_country: p.isoCountry,
		outbound_sms_prices: p.outbound.map((o) => ({
			carrier: o.carrier,
			mcc: o.mcc,
			mnc: o.mnc,
			prices: [{ number_type: 'mobile', base_price: o.price, current_price: o.price }]
		})),
		inbound_sms_prices: [
			{ number_type: 'local', base_price: p.inbound, current_price: p.inbound },
			{ number_type: 'mobile', base_price: p.inbound, current_price: p.inbound }
		],
		price_unit: 'USD',
		url: `https://pricing.twilio.com/${version}/Messaging/Countries/${p.isoCountry}`
	};
}

/** Price Twilio would bill for one segment to `to`, by its calling code (US when unknown). */
export function segmentPrice(to: string): number {
	const digits = to.slice(1);
	let best: CountryPrice | undefined;
	for (const p of PRICES) {
		if (digits.startsWith(p.callingCode) && (!best || p.callingCode.length > best.callingCode.length)) {
			best = p;
		}
	}
	return Number((best ?? PRICES[0]!).outbound[0]!.price);
}
