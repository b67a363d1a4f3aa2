export { createDb, createRolePool, reconnectBackoff } from './client.ts';
export type { Claims, Db, Sql, TransactionSql, CreateDbOptions } from './client.ts';
export { migrate, seed, listMigrations } from './migrate.ts';
export type { Migration, MigrateOptions, MigrateResult } from './migrate.ts';
export { DatabaseSetupError } from './errors.ts';
export { repoRoot, migrationsDir } from './paths.ts';
export { provisionLoginRoles, urlForLogin, WEB_LOGIN, WORKER_LOGIN } from './login-roles.ts';
export type { LoginRolePasswords } from './login-roles.ts';
export {
	PhoneCipher,
	PhoneCryptoError,
	isSealedPhone,
	localPhoneKeys,
	maskedPhone,
	newPhoneKey,
	phoneCipher,
	phoneKeysFromEnv,
	phoneKeysToEnv,
	PHONE_LOG_REDACTION,
	redactPhoneNumbers,
	setPhoneCipher
} from './phone-crypto.ts';
export type { PhoneKeyConfig, SealedPhone } from './phone-crypto.ts';
export { maskPayload, openPayload, rotatePayload, sealPayload } from './phone-payload.ts';
export { countClearPhones, sealStoredPhones } from './phone-backfill.ts';
export { countStalePhones, rotatePhoneKeys } from './phone-rotate.ts';
export type { RotateOptions, RotationProgress } from './phone-rotate.ts';
export { SEALED_COLUMNS, SEALED_PAYLOADS, AUDIT_CLEAR_BY_DESIGN_KEYS } from './phone-columns.ts';
export type { SealedPayload } from './phone-columns.ts';
export { sealAuditJson } from './phone-audit.ts';
export { lastFourDigits, openRejectedCells, sealImportReport } from './phone-import-report.ts';
