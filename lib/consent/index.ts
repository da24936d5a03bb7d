/** Store-facing consent helpers shared by the Consent Gate, the send node and the trigger. */
export {
	recordConsentChange,
	type ConsentChange,
	type ConsentChangeCause,
	type ConsentChangeEvidence,
} from './record';
export { logAcceptedMessage, OutboundLogBatch } from './outboundLog';
export { ConsentRecheck, ConsentSkip } from './recheck';
export {
	consentHistoryJson,
	consentStateJson,
	type ConsentHistoryJson,
	type ConsentStateJson,
} from './state';
