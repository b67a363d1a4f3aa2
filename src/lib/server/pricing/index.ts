export { SmsPricing, PRICE_TTL_MS } from './sms-pricing.ts';
export type { PriceQuote, PriceSource, SmsPricingOptions } from './sms-pricing.ts';
export { ageInWords } from './age.ts';
