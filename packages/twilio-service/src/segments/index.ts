export { segmentInfo, SEGMENT_LIMITS } from './segments.ts';
export type { SegmentInfo, SmsEncoding } from './segments.ts';
export { gsmSeptets } from './gsm.ts';
export { gsmReplacement } from './gsm-replacements.ts';
export { encodingReport, replaceUcs2 } from './ucs2-characters.ts';
export type { EncodingReport, Ucs2Character } from './ucs2-characters.ts';
