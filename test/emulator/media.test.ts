import { customer, startHarness, type Harness } from './helpers';

let h: Harness;

beforeAll(async () => {
	h = await startHarness();
});
afterAll(async () => h.stop());
beforeEach(async () => h.reset());

async function upload(
	fields: Record<string, string | Blob>,
): Promise<{ status: number; body: Record<string, any> }> {
	const form = new FormData();
	for (const [key, value] of Object.entries(fields)) form.set(key, value);
	const response = await fetch(`${h.emulator.baseUrl}/${h.version}/${h.phoneNumberId}/media`, {
		method: 'POST',
		headers: { authorization: `Bearer ${h.accessToken}` },
		body: form,
	});
	return { status: response.status, body: (await response.json()) as Record<string, any> };
}

const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

describe('media', () => {
	it('uploads, describes and serves a file with the bearer token', async () => {
		const uploaded = await upload({
			messaging_product: 'whatsapp',
			type: 'image/png',
			file: new Blob([png], { type: 'image/png' }),
		});
		expect(uploaded).toEqual({ status: 200, body: { id: expect.stringMatching(/^\d+$/) } });
		const described = await h.graph('GET', `/${uploaded.body.id}`);
		expect(described.body).toEqual({
			messaging_product: 'whatsapp',
			url: expect.stringContaining(h.emulator.baseUrl),
			mime_type: 'image/png',
			sha256: expect.any(String),
			file_size: png.length,
			id: uploaded.body.id,
		});

		const withoutToken = await fetch(described.body.url as string);
		expect(withoutToken.status).toBe(401);
		const download = await fetch(described.body.url as string, {
			headers: { authorization: `Bearer ${h.accessToken}` },
		});
		expect(download.status).toBe(200);
		expect(download.headers.get('content-type')).toBe('image/png');
		expect(Buffer.from(await download.arrayBuffer()).equals(png)).toBe(true);
	});

	it('expires download URLs after 5 minutes of emulator time', async () => {
		const uploaded = await upload({
			messaging_product: 'whatsapp',
			type: 'image/png',
			file: new Blob([png]),
		});
		const { url } = (await h.graph('GET', `/${uploaded.body.id}`)).body as { url: string };
		await h.control.advanceClock(301);
		const download = await fetch(url, { headers: { authorization: `Bearer ${h.accessToken}` } });
		expect(download.status).toBe(404);
	});

	it('refuses an upload without the file or with an unsupported type', async () => {
		expect(
			(await upload({ messaging_product: 'whatsapp', type: 'image/png' })).body.error.code,
		).toBe(100);
		const exe = await upload({
			messaging_product: 'whatsapp',
			type: 'application/x-msdownload',
			file: new Blob([png]),
		});
		expect(exe.body.error.code).toBe(131053);
	});

	it('deletes media, after which sends by that id fail with 131053', async () => {
		const uploaded = await upload({
			messaging_product: 'whatsapp',
			type: 'image/png',
			file: new Blob([png]),
		});
		expect((await h.graph('DELETE', `/${uploaded.body.id}`)).body).toEqual({ success: true });
		await h.control.inbound({ from: customer, text: 'Send the picture' });
		const sent = await h.send({ to: customer, type: 'image', image: { id: uploaded.body.id } });
		const failed = await h.receiver.waitFor(() =>
			h.receiver
				.statuses(sent.body.messages[0].id as string)
				.find((status) => status.status === 'failed'),
		);
		expect(failed.errors[0].code).toBe(131053);
	});

	it('stores media a customer sends, so receivers can download it', async () => {
		const data = Buffer.from('customer photo').toString('base64');
		await h.control.inbound({
			from: customer,
			image: { caption: 'my receipt', mimeType: 'image/jpeg', data },
		});
		const message = await h.receiver.waitFor(() => h.receiver.inboundMessages()[0]);
		expect(message.image).toEqual({
			caption: 'my receipt',
			mime_type: 'image/jpeg',
			sha256: expect.any(String),
			id: expect.any(String),
		});
		const { url } = (await h.graph('GET', `/${message.image.id}`)).body as { url: string };
		const download = await fetch(url, { headers: { authorization: `Bearer ${h.accessToken}` } });
		expect(Buffer.from(await download.arrayBuffer()).toString()).toBe('customer photo');
	});
});
