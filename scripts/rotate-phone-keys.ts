/**
 * `npm run phones:rotate`: re-encrypts every stored phone number under the current key, in
 * batches, while the app runs (packages/db/src/phone-rotate.ts).
 *
 *   npm run phones:rotate -- --new-key   local mode: add a fresh key to DATA_DIR/phone-keys.json
 *                                        and make it current (restart `npm start` so every
 *                                        process reads it), then run without the flag.
 *   npm run phones:rotate                re-encrypt what is under an older key; prints progress.
 *
 * Keys come from PHONE_ENCRYPTION_KEYS / PHONE_ENCRYPTION_KEY_ID / PHONE_INDEX_KEY, else from
 * DATA_DIR/phone-keys.json. DATABASE_URL defaults to the local embedded database of `npm start`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { countStalePhones, createDb, localPhoneKeys, newPhoneKey, PhoneCipher, repoRoot, rotatePhoneKeys, type PhoneKeyConfig } from '@sms/db';

const dataDir = path.resolve(process.env.DATA_DIR ?? path.join(repoRoot, '.data'));
const say = (line: string) => process.stdout.write(`[phones:rotate] ${line}\n`);

async function addKey(): Promise<void> {
	if (process.env.PHONE_ENCRYPTION_KEYS) {
		say('keys come from PHONE_ENCRYPTION_KEYS: add `<new id>:<32 random bytes, base64>` there, set PHONE_ENCRYPTION_KEY_ID to it, restart, then run this again');
		say(`a fresh key: ${newPhoneKey()}`);
		return;
	}
	const file = path.join(dataDir, 'phone-keys.json');
	const config = JSON.parse(await readFile(file, 'utf8')) as PhoneKeyConfig;
	let n = Object.keys(config.keys).length + 1;
	while (config.keys[`k${n}`]) n += 1;
	config.keys[`k${n}`] = newPhoneKey();
	config.currentKeyId = `k${n}`;
	new PhoneCipher(config);
	await writeFile(file, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
	say(`added key k${n} to ${file} and made it current: restart \`npm start\`, then run \`npm run phones:rotate\``);
}

async function rotate(): Promise<void> {
	const cipher = new PhoneCipher(await localPhoneKeys(dataDir));
	const url = process.env.DATABASE_URL ?? `postgres://postgres:postgres@127.0.0.1:${process.env.PG_PORT ?? 54329}/sms`;
	const db = createDb({ url, max: 2 });
	try {
		const before = await countStalePhones(db.sql, cipher);
		say(`current key ${cipher.currentKeyId}; ${before} value(s) under older keys`);
		const result = await rotatePhoneKeys(db.sql, cipher, {
			batchSize: Number(process.env.ROTATE_BATCH_SIZE ?? 500),
			pauseMs: Number(process.env.ROTATE_PAUSE_MS ?? 20),
			onBatch: (p) => say(`${p.table}: ${p.rotated} re-encrypted`)
		});
		for (const r of result) say(`${r.table}: ${r.rotated} done`);
		const left = await countStalePhones(db.sql, cipher);
		say(left === 0 ? `done: every number is under ${cipher.currentKeyId}; older keys may now be removed` : `${left} value(s) changed meanwhile: run again`);
		if (left !== 0) process.exitCode = 2;
	} finally {
		await db.end();
	}
}

await (process.argv.includes('--new-key') ? addKey() : rotate());
