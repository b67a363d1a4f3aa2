export interface JsonPostResult {
	status: number | null;
	error: string | null;
}

/**
 * POSTs JSON delivery reports with bounded concurrency. Never throws: a refused connection
 * or a timeout comes back as `error`.
 */
export class JsonPoster {
	private inFlight = 0;
	private waiting: (() => void)[] = [];

	constructor(private readonly options: { timeoutMs: number; concurrency: number }) {}

	async post(url: string, body: string, headers: Record<string, string>): Promise<JsonPostResult> {
		if (this.inFlight >= this.options.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
		this.inFlight++;
		try {
			const response = await fetch(url, {
				method: 'POST',
				headers: { 'Content-Type': 'application/json', 'User-Agent': 'provider-sandbox/1.0', ...headers },
				body,
				signal: AbortSignal.timeout(this.options.timeoutMs),
				redirect: 'manual'
			});
			await response.arrayBuffer().catch(() => undefined);
			return { status: response.status, error: null };
		} catch (error) {
			return { status: null, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
		} finally {
			this.inFlight--;
			this.waiting.shift()?.();
		}
	}
}
