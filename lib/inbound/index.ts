/** The trigger's inbound pipeline, free of n8n: verify, record, hand off, build items, register. */
export { processDelivery } from './delivery';
export type {
	DeliveryOutcome,
	DeliveryPorts,
	DeliveryStats,
	InboundLog,
	ResumeWaits,
} from './delivery';
export { itemsForEvent } from './items';
export type { EventFacts, JsonObject, TriggerItem } from './items';
export {
	confirmationLanguage,
	defaultConfirmationText,
	optOutConfirmationText,
} from './optOutConfirmation';
export {
	checkDelivery,
	MAX_WEBHOOK_BODY_BYTES,
	MAX_WEBHOOK_EVENTS,
	publicRefusal,
} from './receive';
export type { DeliveryCheck, DeliveryInput, RefusalStatus } from './receive';
export { keepOwnAccount } from './ownAccount';
export type { AccountSplit, ForeignEvents } from './ownAccount';
export { eventTime, handoffKey, recordEvent } from './record';
export type { ConsentChange, EventRecord, RecordableEvent, RecordOptions } from './record';
export {
	assertComplete,
	isRegistered,
	register,
	REGISTRATION_MODES,
	RegistrationConflictError,
	RegistrationSetupError,
	SUBSCRIBED_FIELDS,
	unregister,
} from './registration';
export type { GraphCall, GraphPort, RegistrationMode, RegistrationTarget } from './registration';
export {
	keywordLines,
	matchKeyword,
	MESSAGE_STATUSES,
	MESSAGE_TYPES,
	resolveTriggerSettings,
	TRIGGER_EVENTS,
} from './settings';
export type { KeywordFilter, TriggerEvent, TriggerParameters, TriggerSettings } from './settings';
export { deriveVerifyToken } from './verifyToken';
export {
	deriveForwardKey,
	FORWARD_HEADER,
	FORWARD_MAX_AGE_MS,
	signForward,
	verifyForward,
} from './forward';
export type { ForwardCheck, ForwardedEvent, ForwardEnvelope, SignedForward } from './forward';
export { itemsForRoutedEvents, routeDelivery, TEST_ROUTE_MODE } from './router';
export type { RouterPorts, RoutingResult } from './router';
export type { RecordedEvent } from './delivery';
export { accountConsentKeywords, routeConsentOf } from './routeConsent';
export type { RouteConsentOptions, StoredRouteFilters } from './routeConsent';
