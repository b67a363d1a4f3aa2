/**
 * A fixed price list in Twilio's shapes (USD per outbound segment), close to Twilio's public
 * list in 2025: per carrier, and for the US and Canada per sender number type (Twilio prices
 * long code, toll-free and short code sends differently there). Real prices change; estimates
 * only need plausible numbers and the same structure.
 */
interface CountryPrice {
	isoCountry: string;
	country: string;
	callingCode: string;
	/** `price` is what a send is billed; `byType` lists the per-number-type prices when they differ. */
	outbound: { carrier: string; mcc: string; mnc: string; price: string; byType?: Record<string, string> }[];
	inbound: string;
}

const NANP_TYPES = (local: string, tollFree: string, shortCode: string) => ({
	local,
	'toll free': tollFree,
	shortcode: shortCode
});

export const PRICES: readonly CountryPrice[] = [
	{
		isoCountry: 'US',
		country: 'United States',
		callingCode: '1',
		outbound: [
			{ carrier: 'Verizon Wireless', mcc: '311', mnc: '480', price: '0.0079', byType: NANP_TYPES('0.0079', '0.0079', '0.0083') },
			{ carrier: 'T-Mobile USA, Inc.', mcc: '310', mnc: '260', price: '0.0079', byType: NANP_TYPES('0.0079', '0.0079', '0.0083') },
			{ carrier: 'AT&T Wireless', mcc: '310', mnc: '410', price: '0.0079', byType: NANP_TYPES('0.0079', '0.0079', '0.0083') }
		],
		inbound: '0.0079'
	},
	{
		isoCountry: 'CA',
		country: 'Canada',
		callingCode: '1',
		outbound: [
			{ carrier: 'Rogers Wireless', mcc: '302', mnc: '720', price: '0.0083', byType: NANP_TYPES('0.0083', '0.0083', '0.0110') },
			{ carrier: 'Bell Mobility', mcc: '302', mnc: '610', price: '0.0083', byType: NANP_TYPES('0.0083', '0.0083', '0.0110') }
		],
		inbound: '0.0079'
	},
	{
		isoCountry: 'GB',
		country: 'United Kingdom',
		callingCode: '44',
		outbound: [
			{ carrier: 'Vodafone', mcc: '234', mnc: '15', price: '0.0524' },
			{ carrier: 'EE', mcc: '234', mnc: '30', price: '0.0524' },
			{ carrier: 'O2', mcc: '234', mnc: '10', price: '0.0524' },
			{ carrier: 'Three', mcc: '234', mnc: '20', price: '0.0524' }
		],
		inbound: '0.0075'
	},
	{
		isoCountry: 'DE',
		country: 'Germany',
		callingCode: '49',
		outbound: [
			{ carrier: 'Telekom', mcc: '262', mnc: '01', price: '0.0887' },
			{ carrier: 'Vodafone', mcc: '262', mnc: '02', price: '0.0887' },
			{ carrier: 'O2 (Telefónica)', mcc: '262', mnc: '03', price: '0.0887' }
		],
		inbound: '0.0075'
	},
	{
		isoCountry: 'FR',
		country: 'France',
		callingCode: '33',
		outbound: [
			{ carrier: 'Orange', mcc: '208', mnc: '01', price: '0.0798' },
			{ carrier: 'SFR', mcc: '208', mnc: '10', price: '0.0798' },
			{ carrier: 'Free Mobile', mcc: '208', mnc: '15', price: '0.0798' }
		],
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
		outbound: [
			{ carrier: 'Jio', mcc: '405', mnc: '840', price: '0.0832' },
			{ carrier: 'Airtel', mcc: '404', mnc: '10', price: '0.0832' }
		],
		inbound: '0.0075'
	},
	{
		isoCountry: 'ES',
		country: 'Spain',
		callingCode: '34',
		outbound: [
			{ carrier: 'Movistar', mcc: '214', mnc: '07', price: '0.0850' },
			{ carrier: 'Orange', mcc: '214', mnc: '03', price: '0.0850' }
		],
		inbound: '0.0075'
	},
	{
		isoCountry: 'IT',
		country: 'Italy',
		callingCode: '39',
		outbound: [{ carrier: 'TIM', mcc: '222', mnc: '01', price: '0.0940' }],
		inbound: '0.0075'
	},
	{
		isoCountry: 'NL',
		country: 'Netherlands',
		callingCode: '31',
		outbound: [{ carrier: 'KPN', mcc: '204', mnc: '08', price: '0.1100' }],
		inbound: '0.0075'
	},
	{
		isoCountry: 'MX',
		country: 'Mexico',
		callingCode: '52',
		outbound: [{ carrier: 'Telcel', mcc: '334', mnc: '020', price: '0.0488' }],
		inbound: '0.0075'
	},
	{
		isoCountry: 'BR',
		country: 'Brazil',
		callingCode: '55',
		outbound: [
			{ carrier: 'Vivo', mcc: '724', mnc: '06', price: '0.0420' },
			{ carrier: 'Claro', mcc: '724', mnc: '05', price: '0.0420' }
		],
		inbound: '0.0075'
	},
	{
		isoCountry: 'JP',
		country: 'Japan',
		callingCode: '81',
		outbound: [{ carrier: 'NTT Docomo', mcc: '440', mnc: '10', price: '0.0830' }],
		inbound: '0.0075'
	},
	{
		isoCountry: 'SG',
		country: 'Singapore',
		callingCode: '65',
		outbound: [{ carrier: 'Singtel', mcc: '525', mnc: '01', price: '0.0396' }],
		inbound: '0.0075'
	},
	{
		isoCountry: 'NG',
		country: 'Nigeria',
		callingCode: '234',
		outbound: [{ carrier: 'MTN', mcc: '621', mnc: '30', price: '0.3470' }],
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
			prices: Object.entries(o.byType ?? { mobile: o.price }).map(([numberType, price]) => ({
				number_type: numberType,
				base_price: price,
				current_price: price
			}))
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
