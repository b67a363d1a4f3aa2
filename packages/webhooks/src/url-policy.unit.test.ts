import { describe, expect, it } from 'vitest';
import { classifyAddress } from './addresses.ts';
import { checkWebhookUrl, WebhookUrlError } from './url-policy.ts';

describe('classifyAddress', () => {
	it.each([
		['8.8.8.8', 'public'],
		['2606:4700:4700::1111', 'public'],
		['127.0.0.1', 'loopback'],
		['127.8.9.10', 'loopback'],
		['::1', 'loopback'],
		['::ffff:127.0.0.1', 'loopback'],
		['10.1.2.3', 'forbidden'],
		['172.16.0.1', 'forbidden'],
		['172.31.255.255', 'forbidden'],
		['192.168.1.1', 'forbidden'],
		['169.254.169.254', 'forbidden'],
		['100.64.0.1', 'forbidden'],
		['0.0.0.0', 'forbidden'],
		['224.0.0.1', 'forbidden'],
		['255.255.255.255', 'forbidden'],
		['::', 'forbidden'],
		['fe80::1', 'forbidden'],
		['fd00::1', 'forbidden'],
		['::ffff:10.0.0.1', 'forbidden'],
		['::ffff:a9fe:a9fe', 'forbidden'],
		['64:ff9b::a9fe:a9fe', 'forbidden'],
		['not-an-ip', 'forbidden']
	])('%s is %s', (ip, verdict) => {
		expect(classifyAddress(ip)).toBe(verdict);
	});
});

describe('checkWebhookUrl', () => {
	it.each([
		['http://hooks.example.com/x', 'scheme_not_allowed'],
		['ftp://hooks.example.com/x', 'scheme_not_allowed'],
		['https://user:pw@hooks.example.com/x', 'credentials_in_url'],
		['https://127.0.0.1/x', 'address_not_allowed'],
		['https://[::1]/x', 'address_not_allowed'],
		['https://[::ffff:127.0.0.1]/x', 'address_not_allowed'],
		['https://169.254.169.254/latest/meta-data', 'address_not_allowed'],
		['https://10.0.0.5/x', 'address_not_allowed'],
		['https://localhost/x', 'address_not_allowed'],
		['https://intranet/x', 'address_not_allowed'],
		['https://hooks.example.com:22/x', 'port_not_allowed'],
		['not a url', 'invalid_url']
	])('refuses %s in production (%s)', (url, code) => {
		expect(() => checkWebhookUrl(url, 'production')).toThrow(expect.objectContaining({ code }));
	});

	it('accepts public https URLs in production and loopback http in local mode only', () => {
		expect(checkWebhookUrl('https://hooks.example.com/sms', 'production').hostname).toBe('hooks.example.com');
		expect(checkWebhookUrl('http://127.0.0.1:9999/hook', 'local').port).toBe('9999');
		expect(() => checkWebhookUrl('http://10.0.0.1/hook', 'local')).toThrow(WebhookUrlError);
	});
});

