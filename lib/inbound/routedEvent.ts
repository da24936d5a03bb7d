/** A recorded event as the routing decision sees it (lib/core/routing.ts). */
import type { MessageFacts } from '../core/eventFilters';
import type { RoutedEvent } from '../core/routing';
import type { InboundMessageEvent, SystemEvent } from '../core/webhookEvents';
import type { TouchWindowResult } from '../store';
import type { EventFacts } from './items';

/** What the filters test of a message (the trigger's items and the routing use the same). */
export function messageFactsOf(
	event: InboundMessageEvent | SystemEvent,
	conversation: TouchWindowResult | null,
): MessageFacts {
	return {
		type: event.event === 'system' ? 'system' : event.type,
		text: event.event === 'system' ? event.body : event.message.text,
		conversation:
			conversation === null
				? null
				: { isNew: conversation.isNewConversation, isFirstEver: conversation.isFirstEver },
	};
}

export function routedEventOf(facts: EventFacts): RoutedEvent {
	const { event, conversation } = facts;
	if (event.event === 'account') return { kind: 'account', triggerEvent: event.triggerEvent };
	const phoneNumberId = event.business.phoneNumberId;
	const consentChanged = facts.consent?.applied === true;
	switch (event.event) {
		case 'message':
		case 'system':
			return {
				kind: 'message',
				phoneNumberId,
				consentChanged,
				...messageFactsOf(event, conversation),
			};
		case 'status':
			return { kind: 'status', phoneNumberId, status: event.status, consentChanged };
		case 'user_preference':
			return { kind: 'preference', phoneNumberId, consentChanged };
	}
}
