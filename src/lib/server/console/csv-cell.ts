import { neutraliseFormula } from '../csv/formula.ts';

/** A console export's text cell: formulas neutralised, numbers and phone numbers left readable. */
export const safeCell = (value: string): string => neutraliseFormula(value, { readableNumbers: true });
