import { BlockList, isIP } from 'node:net';

/**
 * Addresses a webhook must never reach: everything that is not public unicast Internet.
 * Loopback is listed apart because local mode allows it (the examples' receivers).
 */
const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

const forbidden = new BlockList();
for (const [net, prefix] of [
	['0.0.0.0', 8], // "this network"
	['10.0.0.0', 8],
	['100.64.0.0', 10], // carrier-grade NAT
	['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
	['172.16.0.0', 12],
	['192.0.0.0', 24],
	['192.0.2.0', 24],
	['192.88.99.0', 24],
	['192.168.0.0', 16],
	['198.18.0.0', 15],
	['198.51.100.0', 24],
	['203.0.113.0', 24],
	['224.0.0.0', 4], // multicast
	['240.0.0.0', 4] // reserved, broadcast
] as const) {
	forbidden.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
	['::', 128],
	['64:ff9b::', 96], // NAT64: would reach an IPv4 address of the operator's choosing
	['64:ff9b:1::', 48],
	['100::', 64], // discard
	['2001::', 32], // Teredo
	['2001:db8::', 32],
	['2002::', 16], // 6to4
	['fc00::', 7], // unique local
	['fe80::', 10], // link-local
	['fec0::', 10],
	['ff00::', 8] // multicast
] as const) {
	forbidden.addSubnet(net, prefix, 'ipv6');
}

export type AddressVerdict = 'public' | 'loopback' | 'forbidden';

/** An IPv4 address hidden in an IPv4-mapped IPv6 one (`::ffff:10.0.0.1`), or null. */
function mappedV4(ip: string): string | null {
	const m = /^::ffff:(?:0:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
	if (m) return m[1];
	const hex = /^::ffff:(?:0:)?([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(ip);
	if (!hex) return null;
	const hi = parseInt(hex[1], 16);
	const lo = parseInt(hex[2], 16);
	return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** Classifies one IP address (as returned by DNS or written in a URL). */
export function classifyAddress(address: string): AddressVerdict {
	const ip = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
	const family = isIP(ip);
	if (family === 0) return 'forbidden';
	if (family === 6) {
		const v4 = mappedV4(ip);
		if (v4) return classifyAddress(v4);
		if (loopback.check(ip, 'ipv6')) return 'loopback';
		return forbidden.check(ip, 'ipv6') ? 'forbidden' : 'public';
	}
	if (loopback.check(ip, 'ipv4')) return 'loopback';
	return forbidden.check(ip, 'ipv4') ? 'forbidden' : 'public';
}
