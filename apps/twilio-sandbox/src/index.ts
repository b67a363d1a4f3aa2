// @sms/twilio-sandbox: a loopback Twilio look-alike for local mode, tests and benchmarks.
export { startSandbox, type Sandbox } from './server.ts';
export type { SandboxOptions } from './options.ts';
export type { SandboxState } from './state.ts';
export type { Faults, FaultsInput } from './faults.ts';
export type { CallbackAttempt } from './callback-log.ts';
export type { SandboxMessage, MessageKind } from './message.ts';
export type { ProviderCallbackAttempt, ProviderSettings } from './providers/emulator.ts';
export type { ProviderText } from './providers/store.ts';
export type { ProviderSettingsInput } from './providers/control.ts';
export {
	DOWN_MODES,
	HTTP_PROVIDERS,
	PROVIDER_OUTCOME_NUMBERS,
	PROVIDER_REJECTIONS,
	STATUS_WORDS,
	type DownMode,
	type HttpProviderId
} from './providers/outcomes.ts';
export { MAGIC_REJECTIONS, OUTCOME_NUMBERS, type AsyncOutcome, type OutcomeNumber } from './outcomes.ts';
