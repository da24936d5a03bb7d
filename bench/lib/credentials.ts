import type { EmulatorInfo } from '../../emulator';
import type { StoreConfig } from '../../lib/store';

export const CLOUD_API_TYPE = 'whatsAppCloudApi';

/** The data of our WhatsApp Cloud API credential: the emulator's account, the given store. */
export function cloudApiCredentialData(
	info: EmulatorInfo,
	baseUrl: string,
	store: StoreConfig,
): Record<string, unknown> {
	const storeFields =
		store.backend === 'sqlite'
			? { store: 'builtin', sqlitePath: store.path }
			: {
					store: 'postgres',
					postgresHost: store.host,
					postgresPort: store.port,
					postgresDatabase: store.database,
					postgresUser: store.user,
					postgresPassword: store.password,
					postgresSsl: store.ssl,
					postgresSchema: store.schema,
				};
	return {
		accessToken: info.accessToken,
		businessAccountId: info.wabaId,
		appId: info.appId,
		appSecret: info.appSecret,
		graphApiVersion: info.graphVersion,
		baseUrl,
		...storeFields,
	};
}
