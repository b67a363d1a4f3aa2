/** Wall clock with an adjustable offset, so tests can let codes expire without waiting. */
export class Clock {
	private offsetMs = 0;

	constructor(private readonly base: () => number = Date.now) {}

	now = (): number => this.base() + this.offsetMs;

	advance(ms: number): void {
		this.offsetMs += ms;
	}

	reset(): void {
		this.offsetMs = 0;
	}
}
