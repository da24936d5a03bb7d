import type {
	IAuthenticateGeneric,
	Icon,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

/**
 * One credential per WhatsApp Business Account: how to reach the Cloud API (token, account, app,
 * version, base URL) and where the package keeps its own state (the store). Every node of the
 * account reads both from here, so consent, windows and waits are shared across workflows.
 */
export class WhatsAppCloudApi implements ICredentialType {
	name = 'whatsAppCloudApi';

	displayName = 'WhatsApp Cloud API';

	icon: Icon = { light: 'file:../icons/whatsapp.svg', dark: 'file:../icons/whatsapp.dark.svg' };

	documentationUrl =
		'https://developers.facebook.com/docs/whatsapp/cloud-api/get-started#set-up-developer-assets';

	properties: INodeProperties[] = [
		{
			displayName: 'Access Token',
			name: 'accessToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description:
				'A System User access token with whatsapp_business_messaging and whatsapp_business_management permissions (Meta Business Suite → Business settings → System users → Generate new token)',
		},
		{
			displayName: 'WhatsApp Business Account ID',
			name: 'businessAccountId',
			type: 'string',
			default: '',
			required: true,
			description:
				'The WABA ID, shown in the Meta App Dashboard under WhatsApp → API Setup ("WhatsApp Business Account ID")',
		},
		{
			displayName: 'App ID',
			name: 'appId',
			type: 'string',
			default: '',
			description:
				'The Meta app ID (App Dashboard → App settings → Basic). Needed by the trigger to subscribe webhooks at app level.',
		},
		{
			displayName: 'App Secret',
			name: 'appSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'App Dashboard → App settings → Basic → App secret. The trigger verifies every webhook signature (X-Hub-Signature-256) with it; leave empty only for providers that do not sign.',
		},
		{
			displayName: 'Graph API Version',
			name: 'graphApiVersion',
			type: 'string',
			default: 'v24.0',
			placeholder: 'v24.0',
			description: 'The Graph API version to call, e.g. v23.0, v24.0, v25.0',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://graph.facebook.com',
			description:
				"Meta's Graph API host. Change it only for the local emulator or sandbox (e.g. http://127.0.0.1:8787).",
		},
		{
			displayName: 'State Store',
			name: 'store',
			type: 'options',
			default: 'builtin',
			options: [
				{
					name: 'Built-in (SQLite File)',
					value: 'builtin',
					description: 'A file in the n8n user folder. For a single n8n instance; no setup.',
				},
				{
					name: 'PostgreSQL',
					value: 'postgres',
					description: 'Required for n8n queue mode (several workers) and recommended at scale',
				},
			],
			description:
				'Where consent, 24-hour windows, follow-up waits, deduplication and AI history are kept',
		},
		{
			displayName: 'SQLite File',
			name: 'sqlitePath',
			type: 'string',
			default: '',
			placeholder: '~/.n8n/whatsapp-automation.sqlite',
			description:
				'Leave empty for whatsapp-automation.sqlite in n8n’s folder (~/.n8n, or $N8N_USER_FOLDER/.n8n when that is set). A relative path is taken inside that folder.',
			displayOptions: { show: { store: ['builtin'] } },
		},
		{
			displayName: 'Host',
			name: 'postgresHost',
			type: 'string',
			default: 'localhost',
			displayOptions: { show: { store: ['postgres'] } },
		},
		{
			displayName: 'Port',
			name: 'postgresPort',
			type: 'number',
			default: 5432,
			displayOptions: { show: { store: ['postgres'] } },
		},
		{
			displayName: 'Database',
			name: 'postgresDatabase',
			type: 'string',
			default: 'n8n',
			displayOptions: { show: { store: ['postgres'] } },
		},
		{
			displayName: 'User',
			name: 'postgresUser',
			type: 'string',
			default: 'postgres',
			displayOptions: { show: { store: ['postgres'] } },
		},
		{
			displayName: 'Password',
			name: 'postgresPassword',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: { show: { store: ['postgres'] } },
		},
		{
			displayName: 'SSL',
			name: 'postgresSsl',
			type: 'options',
			default: 'auto',
			options: [
				{
					name: 'Automatic',
					value: 'auto',
					description:
						'No TLS to this machine (localhost, 127.0.0.1, ::1, a unix socket); encrypted and certificate-verified (Verify Full) to any other host',
				},
				{ name: 'Disable', value: 'disable', description: 'No TLS, even to a remote host' },
				{
					name: 'Require (No Certificate Check, Insecure)',
					value: 'require',
					description:
						'Encrypts but accepts any certificate: whoever sits between n8n and the server can read and change the traffic. Only for a network you trust.',
				},
				{
					name: 'Verify Full',
					value: 'verify-full',
					description:
						"Encrypt and verify that the server's certificate is signed by a trusted authority (or the CA Certificate below) and names the host",
				},
			],
			displayOptions: { show: { store: ['postgres'] } },
		},
		{
			displayName: 'CA Certificate',
			name: 'postgresSslCa',
			type: 'string',
			typeOptions: { rows: 4 },
			default: '',
			placeholder: '-----BEGIN CERTIFICATE-----',
			description:
				"PEM certificate of the authority that signed the PostgreSQL server's certificate (e.g. your cloud provider's CA bundle). Leave empty to trust the authorities Node.js trusts.",
			displayOptions: { show: { store: ['postgres'], postgresSsl: ['auto', 'verify-full'] } },
		},
		{
			displayName: 'Schema',
			name: 'postgresSchema',
			type: 'string',
			default: 'whatsapp_automation',
			description: "The package's tables are created in this schema",
			displayOptions: { show: { store: ['postgres'] } },
		},
		// Retention: how long the store keeps personal data (lib/store/retention.ts reads these).
		{
			displayName: 'Keep Sent Messages (Days)',
			name: 'retentionOutboundDays',
			type: 'number',
			default: 90,
			typeOptions: { minValue: 0 },
			description:
				'Sent messages (recipient and text) and their delivery statuses are deleted this many days after sending. 0 or empty = keep forever. When several credentials share one store, the shortest setting applies to this log.',
		},
		{
			displayName: 'Keep Conversation Windows (Days)',
			name: 'retentionWindowDays',
			type: 'number',
			default: 30,
			typeOptions: { minValue: 0 },
			description:
				"A contact's 24-hour window record is deleted this many days after their last message; their next message then counts as the first on that number. 0 or empty = keep forever.",
		},
		{
			displayName: 'Keep Inactive Contacts (Days)',
			name: 'retentionContactDays',
			type: 'number',
			default: 365,
			typeOptions: { minValue: 0 },
			description:
				'Contacts with no message, consent change or send for this many days are deleted with their consent history. An opt-out or block is kept as an anonymous suppression record; contacts with a pending follow-up wait are kept. 0 or empty = keep forever.',
		},
		{
			displayName: 'Keep AI History (Days)',
			name: 'retentionAiHistoryDays',
			type: 'number',
			default: 365,
			typeOptions: { minValue: 0 },
			description:
				"AI Reply conversation messages are deleted this many days after they were written. 0 or empty = keep forever. When several credentials share one store, the shortest setting applies. An AI Reply node's History Retention deletes its conversations sooner.",
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.accessToken}}',
			},
		},
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}/{{$credentials.graphApiVersion}}',
			url: '=/{{$credentials.businessAccountId}}/phone_numbers',
			qs: { fields: 'id,display_phone_number,verified_name,status' },
		},
		rules: [
			{
				type: 'responseCode',
				properties: {
					value: 401,
					message:
						'Access token rejected (Meta error 190): the token is wrong, expired or revoked. Generate a new System User token in Meta Business Suite.',
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 400,
					message:
						'Meta refused the request: check the WhatsApp Business Account ID (not the phone number ID or app ID) and that the token has access to it.',
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 404,
					message:
						'Nothing found at this address: check the Base URL, the Graph API version and the WhatsApp Business Account ID.',
				},
			},
		],
	};
}
