/**
 * The columns the plaintext scan (phone-plaintext-scan.test.ts, tests/e2e/phone-encryption.spec.ts)
 * accepts numbers in. Any other column holding an E.164-looking value fails the scan.
 */
import { AUDIT_CLEAR_BY_DESIGN_KEYS } from '@sms/db';

/** The workspace's own sender numbers: public by nature (printed on every text), not personal data. */
export const CLEAR_BY_DESIGN: readonly string[] = ['public.organizations.from_number', 'public.workspace_providers.sender'];

/**
 * The same sender numbers where the audit log copies them (an organization's or a provider's
 * change): only these keys of before/after (AUDIT_CLEAR_BY_DESIGN_KEYS); any other number in an
 * audit row fails the scan.
 */
export const CLEAR_BY_DESIGN_KEYS: Readonly<Record<string, readonly string[]>> = {
	'public.audit_log.before': AUDIT_CLEAR_BY_DESIGN_KEYS,
	'public.audit_log.after': AUDIT_CLEAR_BY_DESIGN_KEYS
};

/** What every plaintext scan passes: the columns and audit keys clear by design. */
export const SCAN_OPTIONS = { ignore: CLEAR_BY_DESIGN, ignoreKeys: CLEAR_BY_DESIGN_KEYS } as const;

/**
 * Still stored in clear: nothing. Issue 11's encryption covers phone_verifications, the provider
 * payloads, the send path's five tables (sms_messages, contacts, user_sms_preferences,
 * sms_campaign_recipients, sms_phone_opt_outs), the audit history (before/after, sealed by
 * 20261205100100 for rows written before the send path was sealed) and the import reports'
 * rejected-row samples. Keep this list empty: a column that holds a number in clear fails the scan.
 */
export const NOT_YET_ENCRYPTED: readonly string[] = [];
