import { sveltekit } from '@sveltejs/kit/vite';
import tailwindcss from '@tailwindcss/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
	plugins: [tailwindcss(), sveltekit()],
	ssr: {
		// Workspace packages ship TypeScript source: bundle them into the server build.
		noExternal: ['@sms/db', '@sms/twilio-service']
	},
	test: {
		testTimeout: 30_000,
		hookTimeout: 60_000,
		projects: [
			{
				extends: true,
				test: {
					name: 'unit',
					include: ['packages/twilio-service/src/**/*.test.ts', 'src/**/*.unit.test.ts', 'scripts/**/*.unit.test.ts'],
					environment: 'node'
				}
			},
			{
				extends: true,
				test: {
					name: 'db',
					globalSetup: ['packages/db/src/testing/global-setup.ts'],
					include: ['packages/db/src/**/*.test.ts', 'supabase/tests/**/*.test.ts'],
					environment: 'node'
				}
			},
			{
				extends: true,
				test: {
					name: 'integration',
					globalSetup: ['packages/db/src/testing/global-setup.ts'],
					include: [
						'apps/**/*.test.ts',
						'src/**/*.int.test.ts',
						'tests/integration/**/*.test.ts'
					],
					environment: 'node'
				}
			}
		]
	}
});
