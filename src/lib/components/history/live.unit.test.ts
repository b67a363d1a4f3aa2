import { afterEach, describe, expect, it, vi } from 'vitest';
import { connectLive } from './live.ts';

/** Just enough of the browser's EventSource to drive connectLive: named events by hand. */
class FakeEventSource {
	static last: FakeEventSource | null = null;
	readonly listeners = new Map<string, ((event: { data?: string }) => void)[]>();
	closed = false;
	constructor(readonly url: string) {
		FakeEventSource.last = this;
	}
	addEventListener(type: string, listener: (event: { data?: string }) => void): void {
		this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
	}
	emit(type: string, data?: string): void {
		for (const listener of this.listeners.get(type) ?? []) listener({ data });
	}
	close(): void {
		this.closed = true;
	}
}

function connect() {
	vi.stubGlobal('EventSource', FakeEventSource);
	const handlers = { status: vi.fn(), resync: vi.fn(), connected: vi.fn() };
	const stop = connectLive(handlers, '/api/sms/events');
	return { handlers, stop, source: FakeEventSource.last! };
}

afterEach(() => vi.unstubAllGlobals());

describe('connectLive', () => {
	it('refreshes the open texts as soon as the stream is first ready: a change between the render and the connect is not lost', () => {
		const { handlers, source } = connect();
		expect(handlers.resync).not.toHaveBeenCalled();
		source.emit('ready');
		expect(handlers.connected).toHaveBeenLastCalledWith(true);
		expect(handlers.resync).toHaveBeenCalledTimes(1);
	});

	it('refreshes again after a reconnect, and on a resync event', () => {
		const { handlers, source } = connect();
		source.emit('ready');
		source.emit('error');
		expect(handlers.connected).toHaveBeenLastCalledWith(false);
		source.emit('ready');
		source.emit('resync');
		expect(handlers.resync).toHaveBeenCalledTimes(3);
	});

	it('passes on the id of a changed text and ignores what is not ours', () => {
		const { handlers, source, stop } = connect();
		source.emit('status', JSON.stringify({ id: 'a1' }));
		source.emit('status', 'not json');
		source.emit('status', JSON.stringify({ id: 7 }));
		expect(handlers.status.mock.calls).toEqual([['a1']]);
		stop();
		expect(source.closed).toBe(true);
	});
});
