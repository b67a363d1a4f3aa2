import { describe, expect, it } from 'vitest';
import { ProviderError } from '../errors.ts';
import type { ProviderId } from '../port.ts';
import { checkProviderBaseUrl } from './base-url.ts';
import { decideFailover, OutageCounter } from './failover.ts';
import { destinationCountry, routeFor, type RouteEntry } from './route.ts';

const entry = (provider: ProviderId, position: number, countries: string[] = [], enabled = true): RouteEntry => ({
	provider,
	position,
	countries,
	enabled
});

describe('routeFor', () => {
	it('orders by position, whatever order the rows come in', () => {
		const list = [entry('23telecom', 2), entry('twilio', 3), entry('sms-retail', 1)];
		expect(routeFor(list, '+442071838750')).toEqual(['sms-retail', '23telecom', 'twilio']);
	});

	it('country rules include or exclude; position still orders', () => {
		const list = [entry('sms-retail', 1, ['GB']), entry('23telecom', 2, ['FR', 'DE']), entry('twilio', 3)];
		expect(routeFor(list, '+442071838750')).toEqual(['sms-retail', 'twilio']);
		expect(routeFor(list, '+33612345678')).toEqual(['23telecom', 'twilio']);
		expect(routeFor(list, '+12025550143')).toEqual(['twilio']);
	});

	it('skips disabled providers, and may leave nothing to send through', () => {
		expect(routeFor([entry('sms-retail', 1, [], false), entry('23telecom', 2)], '+442071838750')).toEqual(['23telecom']);
		expect(routeFor([entry('sms-retail', 1, ['FR'])], '+442071838750')).toEqual([]);
	});

	it('a number of no known country goes only to providers without country rules', () => {
		expect(destinationCountry('+999123')).toBeNull();
		expect(routeFor([entry('sms-retail', 1, ['GB']), entry('23telecom', 2)], '+999123')).toEqual(['23telecom']);
	});

	it('a workspace without a list sends through Twilio, as before', () => {
		expect(routeFor([], '+442071838750')).toEqual(['twilio']);
	});
});

const err = (kind: ProviderError['kind'], accepted: 'no' | 'unknown', reason: 'outage' | 'misconfigured' | null = null) =>
	new ProviderError({ provider: 'sms-retail', kind, reason, accepted, code: null, httpStatus: null, message: kind });
const route: ProviderId[] = ['sms-retail', '23telecom', 'twilio'];
const decide = (error: ProviderError, outages: number, tried: ProviderId[] = ['sms-retail']) =>
	decideFailover({ error, route, tried: new Set(tried), outages, threshold: 3 });

describe('decideFailover', () => {
	it('a permanent failure fails the text; retry_later stays with the provider', () => {
		expect(decide(err('permanent', 'no'), 0)).toEqual({ action: 'fail' });
		expect(decide(err('retry_later', 'no'), 0)).toEqual({ action: 'retry' });
	});

	it('outages below the threshold retry the same provider; at it, fail over to the next untried one', () => {
		expect(decide(err('provider_unavailable', 'no', 'outage'), 2)).toEqual({ action: 'retry' });
		expect(decide(err('provider_unavailable', 'no', 'outage'), 3)).toEqual({ action: 'failover', next: '23telecom' });
		expect(decide(err('provider_unavailable', 'no', 'outage'), 3, ['sms-retail', '23telecom'])).toEqual({
			action: 'failover',
			next: 'twilio'
		});
	});

	it('a refused account fails over at once', () => {
		expect(decide(err('provider_unavailable', 'no', 'misconfigured'), 0)).toEqual({ action: 'failover', next: '23telecom' });
	});

	it('never fails over while the provider may have accepted the text: look it up first', () => {
		expect(decide(err('provider_unavailable', 'unknown', 'outage'), 5)).toEqual({ action: 'look_up' });
		expect(decide(err('provider_unavailable', 'unknown', 'misconfigured'), 0)).toEqual({ action: 'look_up' });
	});

	it('with every provider tried, the text waits for the list again', () => {
		expect(decide(err('provider_unavailable', 'no', 'misconfigured'), 0, route)).toEqual({ action: 'exhausted' });
	});
});

describe('OutageCounter', () => {
	it('counts consecutive outages per provider; other failures leave the count; a success resets it', () => {
		const c = new OutageCounter();
		expect(c.failed('sms-retail', err('provider_unavailable', 'no', 'outage'))).toBe(1);
		expect(c.failed('sms-retail', err('permanent', 'no'))).toBe(1);
		expect(c.failed('sms-retail', err('provider_unavailable', 'unknown', 'outage'))).toBe(2);
		expect(c.failed('sms-retail', err('provider_unavailable', 'no', 'misconfigured'))).toBe(2);
		expect(c.count('23telecom')).toBe(0);
		c.succeeded('sms-retail');
		expect(c.count('sms-retail')).toBe(0);
	});
});

describe('checkProviderBaseUrl', () => {
	it.each([
		'https://api.sms-retail.example',
		'https://api.sms-retail.example/v1-base/',
		'https://10.0.0.5:8443',
		'http://127.0.0.1:5801/sms-retail',
		'http://localhost:5801',
		'http://[::1]:5801/x'
	])('accepts %s', (url) => {
		expect(checkProviderBaseUrl(url).ok).toBe(true);
	});

	it.each([
		['http://api.sms-retail.example', /https/],
		['http://169.254.169.254/latest', /https/],
		['http://localhost.evil.example', /https/],
		['http://127.0.0.1.nip.io', /https/],
		['https://user:pw@api.example', /plain/],
		['https://api.example/?q=1', /plain/],
		['https://api.example/#x', /plain/],
		['ftp://api.example', /plain/],
		['file:///etc/passwd', /plain/],
		['', /no base URL/],
		[`https://${'a'.repeat(500)}.example`, /500/]
	])('refuses %s', (url, reason) => {
		const verdict = checkProviderBaseUrl(url);
		expect(verdict.ok).toBe(false);
		if (!verdict.ok) expect(verdict.reason).toMatch(reason);
	});
});
