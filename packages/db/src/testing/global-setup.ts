import { chmod, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { createDb } from '../client.ts';
import { startEmbeddedPostgres } from '../embedded.ts';
import { migrate } from '../migrate.ts';
import './provided.ts';

export const TEMPLATE_DATABASE = 'sms_template';


/**
 * One embedded Postgres per test run, in a world-traversable temp dir (the `postgres` user
 * must reach it when we run as root), with a migrated template that each test file clones.
 */
export default async function setup(project: TestProject) {
	const base = await mkdtemp(path.join(os.tmpdir(), 'sms-test-pg-'));
	await chmod(base, 0o755);
	const pg = await startEmbeddedPostgres({
		dataDir: path.join(base, 'data'),
		persistent: false,
		fast: true,
		maxConnections: 400
	});
	const admin = createDb({ url: pg.url('postgres'), max: 1 });
	await admin.sql.unsafe(`create database ${TEMPLATE_DATABASE}`);
	await admin.end();
	const template = createDb({ url: pg.url(TEMPLATE_DATABASE), max: 1 });
	try {
		await migrate(template.sql);
	} finally {
		await template.end();
	}
	project.provide('pgAdminUrl', pg.url('postgres'));
	project.provide('pgTemplate', TEMPLATE_DATABASE);
	return async () => {
		await pg.stop();
	};
}
