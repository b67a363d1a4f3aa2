import net from 'node:net';

/** A port nothing listens on right now, for a second server started by a spec. */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const s = net.createServer();
		s.on('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const address = s.address();
			s.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
		});
	});
}
