/**
 * The columns the plaintext scan (phone-plaintext-scan.test.ts, tests/e2e/phone-encryption.spec.ts)
 * accepts numbers in. Any other column holding an E.164-looking value fails the scan.
 */

/** The workspace's own sender numbers: public by nature (printed on every text), not personal data. */
export const CLEAR_BY_DESIGN: readonly string[] = ['public.organizations.from_number', 'public.workspace_providers.sender'];

/**
 * Still stored in clear: issue 11's encryption covers phone_verifications, the provider payloads
 * and the send path's five tables (sms_messages, contacts, user_sms_preferences,
 * sms_campaign_recipients, sms_phone_opt_outs: their phone_number columns are gone). What is
 * left is free-form data that may carry a number (README "Security": what is left).
 * Shrink this list as tables move to sealed columns; never grow it.
 */
export const NOT_YET_ENCRYPTED: readonly string[] = [
	// Contact audit rows written before the send path was sealed (the migration leaves history as it was).
	'public.audit_log.after',
	'public.audit_log.before',
	// Campaign uploads: the import report's samples of rejected rows (a rejected cell is not a number we keep).
	'public.sms_campaign_imports.report'
];
