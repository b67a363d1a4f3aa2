export { detectProvider, type WebhookProvider } from './detect.ts';
export { parseReport, type DeliveryReport } from './parse.ts';
export {
	TIMESTAMP_TOLERANCE_MS,
	hmacHex,
	safeEqual,
	verify23Telecom,
	verifySmsRetail,
	type HeaderSource,
	type VerifyFailure,
	type VerifyResult
} from './verify.ts';
export { MAX_WEBHOOK_BYTES, ingestWebhook, type IngestInput, type IngestResult } from './ingest.ts';
