/** `npm run migrate`: applies supabase/migrations to DATABASE_URL, recording them like the Supabase CLI. */
import { createDb, migrate } from '../index.ts';

const url = process.env.DATABASE_URL;
if (!url) {
	process.stderr.write('DATABASE_URL is required (postgres://…)\n');
	process.exit(1);
}
const db = createDb({ url, max: 1 });
try {
	const result = await migrate(db.sql);
	process.stdout.write(
		`compat layer: ${result.compatApplied ? 'applied' : 'not needed'}; applied ${result.applied.length}: ${result.applied.join(', ') || '—'}; already applied: ${result.skipped.length}\n`
	);
} finally {
	await db.end();
}
