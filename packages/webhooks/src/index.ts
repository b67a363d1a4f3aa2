export * from './events.ts';
export * from './signing.ts';
export * from './retry.ts';
export * from './addresses.ts';
export * from './url-policy.ts';
export * from './deliver.ts';
