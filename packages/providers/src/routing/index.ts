export { checkProviderBaseUrl, type BaseUrlVerdict } from './base-url.ts';
export { destinationCountry, routeFor, type RouteEntry } from './route.ts';
export { decideFailover, OutageCounter, type FailoverDecision } from './failover.ts';
