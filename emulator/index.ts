/** The WhatsApp Cloud API emulator: start it in-process with startEmulator, or run `npm run emulator`. */
export {
	startEmulator,
	type EmulatorInfo,
	type EmulatorOptions,
	type RunningEmulator,
} from './server';
export {
	loadSeedFile,
	resolveSeed,
	defaultTemplates,
	type EmulatorSeed,
	type SeedTemplate,
	type SeedPhoneNumber,
} from './seed';
export { defaultSettings, type EmulatorSettings, type WebhookSettings } from './settings';
export { signatureHeaders } from './webhooks/signature';
export {
	EmulatorControl,
	type InboundInput,
	type InboundReply,
	type InboundRecord,
	type MediaInput,
	type OutboundRecord,
	type StatusRecord,
} from './control-client';
export type { DeliveryRecord, DispatchOutcome } from './webhooks/dispatcher';
