import type { z } from 'zod';
import { validationProblem, zodIssues } from '$lib/api/v1/problems';
import { ApiProblem } from './respond.ts';

/** Parses with the operation's schema or throws a 422 problem naming every field at fault. */
export function parseOrProblem<S extends z.ZodType>(schema: S, value: unknown, prefix: PropertyKey[] = []): z.output<S> {
	const r = schema.safeParse(value);
	if (!r.success) throw new ApiProblem(validationProblem(zodIssues(r.error, prefix)));
	return r.data;
}

/** URLSearchParams → plain object, refusing a parameter given twice; `metadata[k]` pairs split off. */
export function queryObject(params: URLSearchParams): { query: Record<string, string>; metadata: Record<string, string>; repeated: string | null } {
	const query: Record<string, string> = {};
	const metadata: Record<string, string> = {};
	let repeated: string | null = null;
	for (const [k, v] of params) {
		const m = /^metadata\[([^\]]{1,40})\]$/.exec(k);
		const target = m ? metadata : query;
		const name = m ? m[1] : k;
		if (name in target) repeated ??= k;
		target[name] = v;
	}
	return { query, metadata, repeated };
}
