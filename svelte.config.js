import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
export default {
	preprocess: vitePreprocess(),
	kit: {
		adapter: adapter(),
		// Twilio's webhooks arrive form-encoded with no Origin header, which SvelteKit's
		// built-in CSRF check rejects before any hook runs. The same Origin check is applied
		// in hooks.server.ts to every route except the signed webhook routes.
		csrf: { trustedOrigins: ['*'] }
	}
};
