import { FieldError } from '../../lib/core/fieldError';
import {
	assertTemplateDraft,
	type TemplateDraft,
	templateCreationRequest,
	templateDraftProblems,
	textVariables,
} from '../../lib/core/templateRules';
import { metaFixture } from '../helpers/metaFixtures';

const base: TemplateDraft = {
	name: 'order_update',
	language: 'en_US',
	category: 'UTILITY',
	body: 'Hi {{1}}, your order {{2}} ships today.',
	bodyExamples: { '1': 'Anna', '2': '#12' },
};

const problemsOf = (overrides: Partial<TemplateDraft>) =>
	templateDraftProblems({ ...base, ...overrides }).map((p) => `${p.field}: ${p.problem}`);

describe('textVariables', () => {
	it('reads positional and named variables in order, once each', () => {
		expect(textVariables('Hi {{1}}, {{2}} and {{1}}')).toMatchObject({
			names: ['1', '2'],
			format: 'POSITIONAL',
			problems: [],
		});
		expect(textVariables('Hi {{first_name}}')).toMatchObject({
			names: ['first_name'],
			format: 'NAMED',
		});
	});

	it.each([
		['Hi {{First Name}}', /does not accept/],
		['Hi {{1}, see you', /unbalanced/],
		['Hi {{1}} and {{name}}', /mixes numbered/],
		['Hi {{1}} and {{3}}', /not numbered 1, 2, 3/],
		['Hi {{0}} there', /does not accept/],
	])('finds what is wrong in %s', (text, problem) => {
		expect(
			textVariables(text)
				.problems.map((p) => p.problem)
				.join(' '),
		).toMatch(problem);
	});
});

describe('templateDraftProblems', () => {
	it('accepts a well-formed draft', () => {
		expect(templateDraftProblems(base)).toEqual([]);
	});

	it.each<[string, Partial<TemplateDraft>, RegExp]>([
		['an upper-case name', { name: 'Order Update' }, /^Name: may contain only lower case/],
		[
			'a 513-character name',
			{ name: 'a'.repeat(513) },
			/^Name: is 513 characters long; Meta allows 512/,
		],
		['an unknown category', { category: 'PROMO' }, /^Category: is not a template category/],
		['a strange language', { language: 'English' }, /^Language: is not a language code/],
		['an empty body', { body: '  ' }, /^Body: is empty/],
		[
			'a body starting with a variable',
			{ body: '{{1}} your order {{2}} ships.' },
			/^Body: starts with a variable/,
		],
		[
			'a body ending with a variable',
			{ body: 'Hi {{1}}, your order {{2}}' },
			/^Body: ends with a variable/,
		],
		[
			'a missing example',
			{ bodyExamples: { '1': 'Anna' } },
			/^Body Variable Examples: has no example for \{\{2\}\}/,
		],
		[
			'an example for no variable',
			{ bodyExamples: { '1': 'a', '2': 'b', '7': 'c' } },
			/example for \{\{7\}\}/,
		],
		['a body over 1024 characters', { body: `Hi ${'x'.repeat(1030)} there` }, /Meta allows 1024/],
		['a footer with a variable', { footer: 'Bye {{1}}' }, /^Footer: contains a variable/],
		[
			'a header with two variables',
			{ header: { format: 'TEXT', text: '{{1}} {{2}}', example: 'x' } },
			/at most one/,
		],
		[
			'a header variable without example',
			{ header: { format: 'TEXT', text: 'Order {{1}}' } },
			/no example for \{\{1\}\} of the header/,
		],
		[
			'a named header beside a positional body',
			{ header: { format: 'TEXT', text: 'Hi {{name}}', example: 'x' } },
			/uses named variables while the body uses positional/,
		],
		[
			'an image header without example',
			{ header: { format: 'IMAGE' } },
			/^Header Media Example: is empty/,
		],
		[
			'eleven buttons',
			{ buttons: Array.from({ length: 11 }, () => ({ type: 'QUICK_REPLY' as const, text: 'Ok' })) },
			/has 11 buttons; Meta allows 10/,
		],
		[
			'three URL buttons',
			{
				buttons: Array.from({ length: 3 }, () => ({
					type: 'URL' as const,
					text: 'Go',
					url: 'https://a.example',
				})),
			},
			/3 URL buttons/,
		],
		[
			'quick replies split by a link',
			{
				buttons: [
					{ type: 'QUICK_REPLY', text: 'Yes' },
					{ type: 'URL', text: 'Go', url: 'https://a.example' },
					{ type: 'QUICK_REPLY', text: 'No' },
				],
			},
			/separated by other buttons/,
		],
		[
			'a URL variable in the middle',
			{ buttons: [{ type: 'URL', text: 'Go', url: 'https://a.example/{{1}}/x', urlExample: '1' }] },
			/single \{\{1\}\} at the end/,
		],
		[
			'a URL variable without example',
			{ buttons: [{ type: 'URL', text: 'Go', url: 'https://a.example/{{1}}' }] },
			/no URL example/,
		],
		[
			'a URL that is not one',
			{ buttons: [{ type: 'URL', text: 'Go', url: 'shop' }] },
			/no valid web address/,
		],
		[
			'a phone button without number',
			{ buttons: [{ type: 'PHONE_NUMBER', text: 'Call' }] },
			/no valid phone number/,
		],
		['a copy code without example', { buttons: [{ type: 'COPY_CODE' }] }, /no example code/],
		[
			'a 26-character label',
			{ buttons: [{ type: 'QUICK_REPLY', text: 'x'.repeat(26) }] },
			/26 characters long; Meta allows 25/,
		],
		[
			'a body in an authentication template',
			{ category: 'AUTHENTICATION' },
			/whose text Meta writes/,
		],
		[
			'a code expiry of 91 minutes',
			{ category: 'AUTHENTICATION', body: '', authentication: { codeExpirationMinutes: 91 } },
			/1 to 90/,
		],
	])('refuses %s', (_what, overrides, problem) => {
		expect(problemsOf(overrides).join('\n')).toMatch(problem);
	});

	it('throws the first problem as a FieldError whose fix lists the others', () => {
		let error: unknown;
		try {
			assertTemplateDraft({ ...base, name: 'Bad Name', body: '{{1}} and {{2}}' });
		} catch (caught) {
			error = caught;
		}
		expect(error).toBeInstanceOf(FieldError);
		expect(error).toMatchObject({
			field: 'Name',
			value: 'Bad Name',
			fix: expect.stringMatching(
				/^Use e\.g\. "bad_name"\. Also: Body starts with a variable.*Body ends with a variable/,
			),
		});
	});
});

describe('templateCreationRequest', () => {
	it("builds exactly Meta's example request for a text header, positional body and quick replies", () => {
		const example = metaFixture<Record<string, unknown>>(
			'templates/post-request/create-template-w-text-header-text-body-text-footer-and-2-quick-reply-buttons.json',
		);
		const draft: TemplateDraft = {
			name: 'seasonal_promotion_text_only',
			language: 'en',
			category: 'MARKETING',
			header: { format: 'TEXT', text: 'Our {{1}} is on!', example: 'Summer Sale' },
			body: 'Shop now through {{1}} and use code {{2}} to get {{3}} off of all merchandise.',
			bodyExamples: { '1': 'the end of August', '2': '25OFF', '3': '25%' },
			footer: 'Use the buttons below to manage your marketing subscriptions',
			buttons: [
				{ type: 'QUICK_REPLY', text: 'Unsubcribe from Promos' },
				{ type: 'QUICK_REPLY', text: 'Unsubscribe from All' },
			],
		};
		expect(templateDraftProblems(draft)).toEqual([]);
		expect(templateCreationRequest(draft)).toEqual(example);
	});

	it("builds exactly Meta's example for a document header with phone and URL buttons, and for an authentication template", () => {
		const document = metaFixture<Record<string, any>>(
			'templates/post-request/create-template-w-document-header-text-body-a-phone-number-button-and-a-url-button.json',
		);
		const draft: TemplateDraft = {
			name: document.name,
			language: 'en_US',
			category: 'UTILITY',
			header: { format: 'DOCUMENT', mediaExample: document.components[0].example.header_handle[0] },
			body: document.components[1].text,
			bodyExamples: { '1': 'Mark', '2': '860198-230332' },
			buttons: [
				{ type: 'PHONE_NUMBER', text: 'Call', phoneNumber: '16467043595' },
				{ type: 'URL', text: 'Contact Support', url: 'https://www.examplesite.com/support' },
			],
		};
		expect(templateDraftProblems(draft)).toEqual([]);
		expect(templateCreationRequest(draft)).toEqual(document);
		const auth = metaFixture<Record<string, unknown>>(
			'templates/post-request/create-authentication-template-w-otp-copy-code-button.json',
		);
		expect(
			templateCreationRequest({
				name: 'authentication_code_copy_code_button',
				language: 'en_US',
				category: 'AUTHENTICATION',
				authentication: {
					addSecurityRecommendation: true,
					codeExpirationMinutes: 10,
					buttonText: 'Copy Code',
				},
			}),
		).toEqual(auth);
	});

	it('marks named variables with parameter_format NAMED and their examples by name', () => {
		expect(
			templateCreationRequest({
				...base,
				body: 'Hi {{first_name}}, see you soon.',
				bodyExamples: { first_name: 'Anna' },
			}),
		).toMatchObject({
			parameter_format: 'NAMED',
			components: [
				{
					type: 'BODY',
					example: { body_text_named_params: [{ param_name: 'first_name', example: 'Anna' }] },
				},
			],
		});
	});
});
