/**
 * Twilio error codes we explain to people. Meanings follow Twilio's error dictionary
 * (twilio.com/docs/api/errors/<code>); explanations speak to the person whose phone it is,
 * actions say what they or an admin can do.
 *
 * retryable — would sending the same message again later plausibly succeed?
 *   true:  rate limits and queues (20429, 21611, 30001, 30022, 30023, 30027, 60203, 60212),
 *          transient carrier states (30003 handset off, 30008 unknown, 30017 congestion,
 *          30036 expired in queue, 30450 temporary fraud block of 15–30 min).
 *   false: anything that needs a person to change something first (credentials, number,
 *          opt-out, content, registration), where a retry would only cost money.
 * scope — what the error condemns: the recipient's number, the message content, our Twilio
 *   account/sender set-up, or nothing in particular (transient or unknown).
 */
export type ErrorScope = 'number' | 'content' | 'account' | 'none';

export interface CatalogueEntry {
	title: string;
	explanation: string;
	action: string;
	retryable: boolean;
	scope: ErrorScope;
}

const ADMIN_ACCOUNT = 'Nothing is wrong with your phone. An admin needs to';

export const ERROR_CATALOGUE: Readonly<Record<number, CatalogueEntry>> = {
	20003: {
		title: 'Authentication failed',
		explanation: "Our texting service couldn't sign in to our SMS provider (Twilio), so the text was never sent.",
		action: `${ADMIN_ACCOUNT} check the Twilio Account SID and Auth Token (or API key) the app is configured with.`,
		retryable: false,
		scope: 'account'
	},
	20404: {
		title: 'Not found',
		explanation: 'Twilio no longer has what we asked about. For a verification code: it has expired (codes last 10 minutes) or was already used.',
		action: 'Ask for a new code and enter it within 10 minutes.',
		retryable: false,
		scope: 'none'
	},
	20429: {
		title: 'Too many requests',
		explanation: 'We were sending too many texts at once and our SMS provider asked us to slow down.',
		action: 'Nothing to do: the text is retried automatically after a short wait.',
		retryable: true,
		scope: 'none'
	},
	21211: {
		title: "Invalid 'To' phone number",
		explanation: "The phone number we have for you isn't a valid number, so the text couldn't be sent.",
		action: 'Check your phone number in your settings, including the country code, and verify it again.',
		retryable: false,
		scope: 'number'
	},
	21408: {
		title: 'Sending to this region is not enabled',
		explanation: "We aren't set up to send texts to phone numbers in your country yet.",
		action: `${ADMIN_ACCOUNT} enable your country in Twilio's Messaging Geographic Permissions.`,
		retryable: false,
		scope: 'account'
	},
	21606: {
		title: "'From' number can't send this message",
		explanation: "The number we send texts from isn't allowed to send to your number.",
		action: `${ADMIN_ACCOUNT} use an SMS-capable Twilio number (or Messaging Service) that belongs to this account and can reach this country.`,
		retryable: false,
		scope: 'account'
	},
	21608: {
		title: 'Recipient not verified for a trial account',
		explanation: 'Our SMS account is a trial account, which can only text numbers added to it by hand.',
		action: `${ADMIN_ACCOUNT} verify this number in the Twilio Console or upgrade the Twilio account.`,
		retryable: false,
		scope: 'account'
	},
	21610: {
		title: 'Recipient has opted out (STOP)',
		explanation: 'This number replied STOP to our texts, so carriers and Twilio block us from texting it.',
		action: 'If you want texts again, reply START to our number, then turn texts back on in your settings.',
		retryable: false,
		scope: 'number'
	},
	21611: {
		title: "'From' number has too many queued messages",
		explanation: 'Too many texts were waiting to go out from our number, so this one was held back.',
		action: 'Nothing to do: it is retried automatically. If it happens often, an admin should add senders or slow bulk sends.',
		retryable: true,
		scope: 'none'
	},
	21612: {
		title: 'Number cannot be reached by SMS',
		explanation: "Your number can't receive texts from our sending number — its carrier isn't reachable from our sender, or the number can't receive texts.",
		action: 'Make sure this is a mobile number that receives texts. If it is, an admin can ask Twilio support about the route.',
		retryable: false,
		scope: 'number'
	},
	21614: {
		title: "'To' number is not a mobile number",
		explanation: "Your number looks like a landline or another kind of number that can't receive texts.",
		action: 'Add a mobile phone number in your settings and verify it.',
		retryable: false,
		scope: 'number'
	},
	21617: {
		title: 'Message longer than 1,600 characters',
		explanation: 'The text was too long to send.',
		action: 'Nothing for you to do. An admin needs to shorten the message or template to under 1,600 characters.',
		retryable: false,
		scope: 'content'
	},
	30001: {
		title: 'Queue overflow',
		explanation: 'Too many texts were queued at once and this one waited too long to go out.',
		action: 'Nothing to do: it is retried automatically. An admin can spread bulk sends over time.',
		retryable: true,
		scope: 'none'
	},
	30002: {
		title: 'Account suspended',
		explanation: 'Our SMS account is suspended, so no texts can go out right now.',
		action: `${ADMIN_ACCOUNT} contact Twilio about the suspension.`,
		retryable: false,
		scope: 'account'
	},
	30003: {
		title: 'Unreachable handset',
		explanation: "Your carrier couldn't reach your phone — it may be switched off, out of signal, or abroad.",
		action: 'Make sure your phone is on, has signal and receives other texts; texts sent after that will reach you. An admin can resend this one.',
		retryable: true,
		scope: 'number'
	},
	30004: {
		title: 'Message blocked',
		explanation: 'The text was blocked, either by your carrier or by a block on this number (for example blocked senders, or a plan that refuses business texts).',
		action: 'Check that your phone and carrier plan accept texts from businesses and short codes; your carrier can lift such a block.',
		retryable: false,
		scope: 'number'
	},
	30005: {
		title: 'Unknown handset',
		explanation: "Your carrier says this number doesn't exist or is no longer in service.",
		action: 'Check the number in your settings, correct it if needed, and verify it again.',
		retryable: false,
		scope: 'number'
	},
	30006: {
		title: 'Landline or unreachable carrier',
		explanation: "This number is a landline, or its carrier can't receive texts from us.",
		action: 'Add a mobile phone number in your settings.',
		retryable: false,
		scope: 'number'
	},
	30007: {
		title: 'Message filtered',
		explanation: 'Your carrier (or Twilio) filtered the text as possible spam, so it never reached your phone.',
		action: 'Nothing for you to do. An admin should review the wording and links of this message and the sender registration.',
		retryable: false,
		scope: 'content'
	},
	30008: {
		title: 'Unknown error',
		explanation: "Your carrier refused the text without saying why.",
		action: 'If it keeps happening, check that your phone receives other texts. An admin can resend this one.',
		retryable: true,
		scope: 'none'
	},
	30009: {
		title: 'Missing inbound segment',
		explanation: "Part of a long text sent to us never arrived, so the message couldn't be put back together.",
		action: 'Send your reply again, preferably shorter.',
		retryable: false,
		scope: 'none'
	},
	30010: {
		title: 'Message price exceeds max price',
		explanation: 'Sending this text would have cost more than the price limit we set.',
		action: `${ADMIN_ACCOUNT} raise the maximum price or check pricing for this country.`,
		retryable: false,
		scope: 'account'
	},
	30017: {
		title: 'Carrier network congestion',
		explanation: "Your carrier's network was too busy to accept the text.",
		action: 'Nothing for you to do: later texts should get through. An admin can resend this one.',
		retryable: true,
		scope: 'none'
	},
	30019: {
		title: 'Content size exceeds carrier limit',
		explanation: 'The text was too large for your carrier to accept.',
		action: 'Nothing for you to do. An admin should shorten the message (emoji and non-Latin characters make texts larger).',
		retryable: false,
		scope: 'content'
	},
	30022: {
		title: 'US A2P 10DLC rate limit exceeded',
		explanation: 'We sent texts faster than US carriers allow for our sender registration.',
		action: 'Nothing to do: it is retried more slowly. An admin may need a higher-throughput registration.',
		retryable: true,
		scope: 'account'
	},
	30023: {
		title: 'US A2P 10DLC daily cap reached',
		explanation: 'We reached the number of texts US carriers let our sender send in one day.',
		action: 'It can go out after the cap resets (midnight Pacific time). An admin can raise the cap through brand vetting.',
		retryable: true,
		scope: 'account'
	},
	30027: {
		title: 'T-Mobile daily message limit reached',
		explanation: 'We reached the daily number of texts T-Mobile accepts from our sender.',
		action: 'It can go out after the limit resets (midnight Pacific time). An admin can raise it by improving the brand trust score.',
		retryable: true,
		scope: 'account'
	},
	30032: {
		title: 'Toll-free number not verified',
		explanation: "Our toll-free sending number hasn't been verified, so US and Canadian carriers block its texts.",
		action: `${ADMIN_ACCOUNT} complete Toll-Free Verification for the sending number.`,
		retryable: false,
		scope: 'account'
	},
	30033: {
		title: 'US A2P 10DLC sender registration problem',
		explanation: "US carriers didn't accept the registration of the number we send from, so the text was blocked.",
		action: `${ADMIN_ACCOUNT} check the sender's A2P 10DLC brand and campaign status in the Twilio Console.`,
		retryable: false,
		scope: 'account'
	},
	30034: {
		title: 'US A2P 10DLC message from an unregistered number',
		explanation: "We sent from a US number that isn't registered for business texting, so US carriers blocked it.",
		action: `${ADMIN_ACCOUNT} register the sending number to an approved A2P 10DLC campaign.`,
		retryable: false,
		scope: 'account'
	},
	30035: {
		title: 'US A2P 10DLC number still being configured',
		explanation: 'Our sending number is still being registered with US carriers and cannot send yet.',
		action: `${ADMIN_ACCOUNT} wait until number registration completes, then resend.`,
		retryable: false,
		scope: 'account'
	},
	30036: {
		title: 'Validity period expired',
		explanation: 'The text waited in the sending queue longer than it was allowed to, so it was dropped.',
		action: 'An admin can resend it, lengthen the validity period or spread bulk sends.',
		retryable: true,
		scope: 'none'
	},
	30450: {
		title: 'Message delivery blocked (SMS pumping protection)',
		explanation: "Twilio's fraud protection briefly blocked texts to this number after unusual traffic to it.",
		action: 'The block lifts by itself, usually within 15–30 minutes. An admin can resend this text and safe-list known numbers.',
		retryable: true,
		scope: 'number'
	},
	60200: {
		title: 'Invalid parameter (Verify)',
		explanation: "The phone number or code wasn't in a format the verification service accepts.",
		action: 'Enter the number with its country code (e.g. +1…) and a code of 4–10 digits.',
		retryable: false,
		scope: 'number'
	},
	60202: {
		title: 'Max check attempts reached',
		explanation: 'Too many wrong codes were entered for this verification.',
		action: 'Ask for a new code and enter it carefully.',
		retryable: false,
		scope: 'none'
	},
	60203: {
		title: 'Max send attempts reached',
		explanation: 'Too many verification codes were sent to this number in a short time.',
		action: 'Use the last code you received, or wait 10 minutes before asking for a new one.',
		retryable: true,
		scope: 'none'
	},
	60212: {
		title: 'Too many concurrent requests for this number',
		explanation: 'Several verification requests for this number arrived at the same time.',
		action: 'Wait a moment and try once more.',
		retryable: true,
		scope: 'none'
	}
};
