import type { Problem } from '$lib/api/v1/schemas/common';

const NO_STORE = { 'cache-control': 'no-store' };

export function apiJson(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
	return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...NO_STORE, ...headers } });
}

export function problemResponse(p: Problem, headers: Record<string, string> = {}): Response {
	return new Response(JSON.stringify(p), {
		status: p.status,
		headers: { 'content-type': 'application/problem+json', ...NO_STORE, ...headers }
	});
}

/** A problem to throw from deep inside a handler; the wrapper turns it into the response. */
export class ApiProblem extends Error {
	readonly problem: Problem;
	readonly headers: Record<string, string>;
	constructor(problem: Problem, headers: Record<string, string> = {}) {
		super(problem.detail);
		this.name = 'ApiProblem';
		this.problem = problem;
		this.headers = headers;
	}
}
