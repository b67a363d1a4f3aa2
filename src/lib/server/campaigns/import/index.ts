// Campaign recipients from a CSV file: server-only, pure (database answers are injected).
export { importRecipients } from './import.ts';
export { rejectedRowsCsv, neutraliseFormula } from './rejected-csv.ts';
export { ImportError } from './errors.ts';
export type { ImportErrorCode } from './errors.ts';
export { IMPORT_LIMITS } from './limits.ts';
export { PhoneNormaliser } from './phone.ts';
export type { PhoneResult, PhoneProblem } from './phone.ts';
export type { ImportColumn, ColumnRole } from './columns.ts';
export type * from './types.ts';
