/** The consent words stored with an account's routes, merged as the trigger Meta calls merges them. */
import { DEFAULT_CONSENT_KEYWORDS } from '../../lib/core/consentKeywords';
import { accountConsentKeywords, routeConsentOf } from '../../lib/inbound';

const withConsent = (keywords: Record<string, string[]>) => ({
	filters: { consent: { keywords, confirmOptOut: false, confirmationText: null } },
});
const withoutConsent = { filters: { keywords: ['PROMO'] } };

describe('routeConsentOf', () => {
	it('reads a route’s stored consent options, and null for a route stored before them', () => {
		expect(routeConsentOf(withConsent({ optOutKeywords: ['GENUG'] }) as never)).toEqual({
			keywords: { optOutKeywords: ['GENUG'] },
			confirmOptOut: false,
			confirmationText: null,
		});
		expect(routeConsentOf(withoutConsent as never)).toBeNull();
		expect(
			routeConsentOf({ filters: { consent: { keywords: 'STOP', confirmOptOut: 'no' } } } as never),
		).toBeNull();
	});
});

describe('accountConsentKeywords', () => {
	it('is null when no route stored consent options: the defaults apply', () => {
		expect(accountConsentKeywords([])).toBeNull();
		expect(accountConsentKeywords([withoutConsent] as never)).toBeNull();
	});

	it('merges every route’s lists, a list a route left unset counting with its defaults', () => {
		const merged = accountConsentKeywords([
			withConsent({ optOutButtonPayloads: ['Genug davon'] }),
			withConsent({ optOutKeywords: ['GENUG'] }),
			withoutConsent,
		] as never);
		expect(merged?.optOutButtonPayloads).toEqual(['Genug davon', 'Stop promotions']);
		expect(merged?.optOutKeywords).toEqual([...DEFAULT_CONSENT_KEYWORDS.optOutKeywords, 'GENUG']);
		expect(merged?.blockKeywords).toEqual(['STOP']);
	});
});
