export { segmentInfo, SEGMENT_LIMITS } from './segments.ts';
export type { SegmentInfo, SmsEncoding } from './segments.ts';
export { gsmSeptets } from './gsm.ts';
