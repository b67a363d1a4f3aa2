/** Number and share formatting shared by the overview's cards and tables. */
export const count = (n: number) => n.toLocaleString('en');
export const percent = (part: number, whole: number) => (whole > 0 ? `${((part / whole) * 100).toFixed(1)} %` : '—');
export const rate = (r: number | null) => (r === null ? '—' : `${(r * 100).toFixed(1)} %`);

export const OUTCOME_LABELS = { delivered: 'Delivered', failed: 'Failed', pending: 'Pending', not_sent: 'Not sent' } as const;
export type OutcomeKey = keyof typeof OUTCOME_LABELS;
/** The messages list's verdict filter for each outcome. */
export const OUTCOME_VERDICT: Record<OutcomeKey, string> = { delivered: 'delivered', failed: 'failed', pending: 'pending', not_sent: 'not_sent' };
export const OUTCOME_COLORS: Record<OutcomeKey, string> = { delivered: '#15803d', failed: '#b91c1c', pending: '#64748b', not_sent: '#d97706' };
