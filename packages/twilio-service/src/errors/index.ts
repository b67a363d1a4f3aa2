export { explainError, isRetryableError } from './explain.ts';
export type { ErrorExplanation } from './explain.ts';
export { ERROR_CATALOGUE } from './catalogue.ts';
export type { CatalogueEntry, ErrorScope } from './catalogue.ts';
