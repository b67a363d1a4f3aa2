export { decideDelivery, nextLocalMidnight } from './decide.ts';
export type { Decision, DeferReason, DeliveryInput, DeliveryPrefs, Priority, SuppressReason } from './decide.ts';
export { quietHoursEnd } from './quiet-hours.ts';
export type { QuietHours } from './quiet-hours.ts';
export { localDate, localDateTime, parseTimeOfDay, zonedTimeToInstant } from './zoned-time.ts';
export type { LocalDate, LocalDateTime } from './zoned-time.ts';
export { PolicyError } from './errors.ts';
export type { PolicyErrorCode } from './errors.ts';
