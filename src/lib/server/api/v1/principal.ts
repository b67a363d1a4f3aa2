import type { Scope } from '$lib/api/v1/operations';

/** Who is calling: one API key of one workspace. */
export interface ApiKeyPrincipal {
	keyId: string;
	organizationId: string;
	scopes: Scope[];
	rateLimitPerSecond: number;
}
