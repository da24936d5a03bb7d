import type { EmulatorCore } from '../core';
import { compareGraphVersions } from '../settings';
import { graphErrors } from './errors';
import { getBusinessAccount, getPhoneNumber, listPhoneNumbers, listTemplates } from './management';
import { deleteMedia, describeMedia, uploadMedia } from './media';
import { sendMessage } from './messages';
import { createTemplate, deleteTemplates, getTemplate } from './template-management';
import { authenticate, ok, type GraphRequest, type GraphResponse } from './request';
import { appSubscriptions, subscribedApps, updatePhoneNumber } from './subscriptions';

function unsupported(request: GraphRequest): never {
	if (request.edge === undefined) throw graphErrors.unknownObject(request.objectId, request.method);
	throw graphErrors.unknownPath(`/${request.edge}`);
}

/** Dispatches `/{version}/{object-id}[/{edge}]` to the handler for that object and edge. */
export async function handleGraph(
	core: EmulatorCore,
	request: GraphRequest,
): Promise<GraphResponse> {
	const { seed, state } = core;
	const { method, edge, objectId } = request;
	if (compareGraphVersions(request.version, state.settings.minGraphVersion) < 0) {
		throw graphErrors.deprecatedVersion(state.settings.minGraphVersion);
	}
	authenticate(core, request, objectId === seed.appId);

	if (objectId === seed.appId) {
		if (edge === 'subscriptions' && ['GET', 'POST', 'DELETE'].includes(method)) {
			return appSubscriptions(core, request);
		}
		if (edge === undefined && method === 'GET') return ok({ id: seed.appId, name: seed.appName });
		return unsupported(request);
	}

	if (objectId === seed.wabaId) {
		if (edge === undefined && method === 'GET') return getBusinessAccount(core, request);
		if (edge === 'phone_numbers' && method === 'GET') return listPhoneNumbers(core, request);
		if (edge === 'message_templates' && method === 'GET') return listTemplates(core, request);
		if (edge === 'message_templates' && method === 'POST') return createTemplate(core, request);
		if (edge === 'message_templates' && method === 'DELETE') return deleteTemplates(core, request);
		if (edge === 'subscribed_apps' && ['GET', 'POST', 'DELETE'].includes(method)) {
			return subscribedApps(core, request);
		}
		return unsupported(request);
	}

	const phone = state.phoneNumbers.get(objectId);
	if (phone) {
		if (edge === 'messages' && method === 'POST') return sendMessage(core, request, phone);
		if (edge === 'media' && method === 'POST') return uploadMedia(core, request, phone);
		if (edge === undefined && method === 'GET') return getPhoneNumber(core, request, phone);
		if (edge === undefined && method === 'POST') return updatePhoneNumber(core, request, phone);
		return unsupported(request);
	}

	const template = state.templates.find((candidate) => candidate.id === objectId);
	if (template && edge === undefined && method === 'GET') return getTemplate(core, request, template);

	const media = state.media.get(objectId);
	if (media && edge === undefined) {
		if (method === 'GET') return describeMedia(core, request, media);
		if (method === 'DELETE') return deleteMedia(core, media);
	}
	throw graphErrors.unknownObject(objectId, method);
}
