/** Store-facing consent helpers shared by the Consent Gate, the send node and the trigger. */
export { recordConsentAnswer, type RecordedConsentAnswer } from './answers';
export { contactRef, parseContactIdentifier, type ContactIdentifier } from './contact';
export { logAcceptedMessage } from './outboundLog';
export { ConsentRecheck, ConsentSkip } from './recheck';
export {
	consentHistoryJson,
	consentJson,
	type ConsentHistoryJson,
	type ConsentJson,
} from './state';
