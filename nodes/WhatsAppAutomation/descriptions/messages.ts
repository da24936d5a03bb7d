import type { INodeProperties } from 'n8n-workflow';

export const textProperties: INodeProperties[] = [
	{
		displayName: 'Text',
		name: 'text',
		type: 'string',
		typeOptions: { rows: 4 },
		default: '',
		required: true,
		description:
			'Up to 4,096 characters. Free text only reaches customers who wrote in the last 24 hours.',
		displayOptions: { show: { operation: ['sendText'] } },
	},
	{
		displayName: 'Link Preview',
		name: 'previewUrl',
		type: 'boolean',
		default: false,
		description: 'Whether to show a preview of the first link in the text',
		displayOptions: { show: { operation: ['sendText'] } },
	},
];

export const buttonsProperties: INodeProperties[] = [
	{
		displayName: 'Body Text',
		name: 'buttonsBody',
		type: 'string',
		typeOptions: { rows: 3 },
		default: '',
		required: true,
		description: 'The text above the buttons (up to 1,024 characters)',
		displayOptions: { show: { operation: ['sendButtons'] } },
	},
	{
		displayName: 'Buttons',
		name: 'buttons',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, maxAllowedFields: 3 },
		default: {},
		placeholder: 'Add Button',
		description:
			'One to three reply buttons; the customer’s tap arrives in the trigger with the button ID',
		displayOptions: { show: { operation: ['sendButtons'] } },
		options: [
			{
				displayName: 'Button',
				name: 'button',
				values: [
					{
						displayName: 'Title',
						name: 'title',
						type: 'string',
						default: '',
						description: 'Up to 20 characters',
					},
					{
						displayName: 'ID',
						name: 'id',
						type: 'string',
						default: '',
						description: 'Returned when tapped (defaults to the title)',
					},
				],
			},
		],
	},
	{
		displayName: 'Header Text',
		name: 'buttonsHeader',
		type: 'string',
		default: '',
		description: 'Optional bold line above the body (up to 60 characters)',
		displayOptions: { show: { operation: ['sendButtons'] } },
	},
	{
		displayName: 'Footer',
		name: 'buttonsFooter',
		type: 'string',
		default: '',
		description: 'Optional grey line below the body (up to 60 characters)',
		displayOptions: { show: { operation: ['sendButtons'] } },
	},
];

const media = { show: { operation: ['sendMedia'] } };

export const mediaProperties: INodeProperties[] = [
	{
		displayName: 'Media Type',
		name: 'mediaType',
		type: 'options',
		default: 'image',
		displayOptions: media,
		options: [
			{ name: 'Audio', value: 'audio' },
			{ name: 'Document', value: 'document' },
			{ name: 'Image', value: 'image' },
			{ name: 'Sticker', value: 'sticker' },
			{ name: 'Video', value: 'video' },
		],
	},
	{
		displayName: 'Source',
		name: 'mediaSource',
		type: 'options',
		default: 'url',
		displayOptions: media,
		options: [
			{
				name: 'Link (URL)',
				value: 'url',
				description: 'WhatsApp downloads the file from a public link',
			},
			{
				name: 'Binary File',
				value: 'binary',
				description: 'Upload a binary file of the input item to WhatsApp first',
			},
			{ name: 'Media ID', value: 'id', description: 'A file already uploaded to WhatsApp' },
		],
	},
	{
		displayName: 'Media URL',
		name: 'mediaUrl',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'https://example.com/brochure.pdf',
		displayOptions: { show: { operation: ['sendMedia'], mediaSource: ['url'] } },
	},
	{
		displayName: 'Input Binary Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		description: 'The name of the binary field of the input item that holds the file',
		displayOptions: { show: { operation: ['sendMedia'], mediaSource: ['binary'] } },
	},
	{
		displayName: 'Media ID',
		name: 'mediaId',
		type: 'string',
		default: '',
		required: true,
		displayOptions: { show: { operation: ['sendMedia'], mediaSource: ['id'] } },
	},
	{
		displayName: 'Caption',
		name: 'caption',
		type: 'string',
		default: '',
		description: 'Up to 1,024 characters (image, video and document only)',
		displayOptions: {
			show: { operation: ['sendMedia'], mediaType: ['image', 'video', 'document'] },
		},
	},
	{
		displayName: 'File Name',
		name: 'fileName',
		type: 'string',
		default: '',
		description: 'Shown to the customer for documents',
		displayOptions: { show: { operation: ['sendMedia'], mediaType: ['document'] } },
	},
];

export const markAsReadProperties: INodeProperties[] = [
	{
		displayName: 'Message ID',
		name: 'messageId',
		type: 'string',
		default: '={{ $json.messageId }}',
		required: true,
		description: 'The wamid of the inbound message, from the WhatsApp Automation Trigger',
		displayOptions: { show: { operation: ['markAsRead'] } },
	},
	{
		displayName: 'Show Typing Indicator',
		name: 'typingIndicator',
		type: 'boolean',
		default: false,
		description:
			'Whether to show “typing…” to the customer until you reply (or for up to 25 seconds)',
		displayOptions: { show: { operation: ['markAsRead'] } },
	},
];
