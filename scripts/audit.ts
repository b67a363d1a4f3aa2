/**
 * `npm run audit`: `npm audit --omit=dev --audit-level=high`, failing on a real high or
 * critical finding in a runtime dependency, and only warning when the registry's audit
 * endpoint cannot be reached (see lib/audit-verdict.ts).
 */
import { spawnSync } from 'node:child_process';
import { auditVerdict } from './lib/audit-verdict.ts';

const run = spawnSync('npm', ['audit', '--omit=dev', '--audit-level=high', '--json'], {
	encoding: 'utf8',
	timeout: 120_000,
	shell: process.platform === 'win32'
});
const verdict = auditVerdict(run.stdout ?? '');
switch (verdict.kind) {
	case 'clean':
		console.log(`npm audit: no high or critical advisories in runtime dependencies (${JSON.stringify(verdict.counts)})`);
		break;
	case 'vulnerable':
		console.error(`npm audit: high/critical advisories in runtime dependencies: ${verdict.packages.join(', ') || '(see npm audit)'}`);
		console.error('Run `npm audit --omit=dev` for details and `npm audit fix` (or update the package) to fix.');
		process.exit(1);
		break;
	case 'unavailable':
		console.warn(`npm audit: skipped, the audit endpoint could not be reached (${verdict.reason}). Not a failure.`);
		break;
}
