export { APPLY_OUTCOMES, MESSAGE_STATUSES, TWILIO_STATUSES, isMessageStatus, normalizeTwilioStatus } from './status.ts';
export type { ApplyOutcome, ApplyStatusResult, MessageStatus, TwilioStatus } from './status.ts';
export { describeStatusReason } from './reasons.ts';
export type { StatusReason } from './reasons.ts';
export { VERDICT_KINDS, verdictFor } from './verdict.ts';
export type { Verdict, VerdictKind, VerdictMessage, VerdictOptions } from './verdict.ts';
