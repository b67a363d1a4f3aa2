export {
	FINAL_STATUSES,
	MESSAGE_STATUSES,
	STATUS_RANK,
	TWILIO_STATUSES,
	isFinal,
	isMessageStatus,
	normalizeTwilioStatus,
	shouldApply,
	statusRank
} from './status.ts';
export type { MessageStatus, OurStatus, TwilioStatus } from './status.ts';
export { STATUS_REASON_TEXT, describeStatusReason } from './reasons.ts';
export type { StatusReason } from './reasons.ts';
export { verdictFor } from './verdict.ts';
export type { Verdict, VerdictKind, VerdictMessage, VerdictOptions } from './verdict.ts';
