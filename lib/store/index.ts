export {
	DEFAULT_POSTGRES_SCHEMA,
	SQLITE_FILE_NAME,
	StoreConfigError,
	n8nFolder,
	storeConfigFromCredentials,
	type PostgresSslMode,
	type PostgresStoreConfig,
	type SqliteStoreConfig,
	type StoreConfig,
} from './config';
export { closeAllStores, createStore, openStore } from './registry';
export { DEFAULT_DEDUP_RETENTION_MS } from './sql/dedup';
export {
	ABANDONED_HAND_OFF_MS,
	HOUSEKEEPING_INTERVAL_MS,
	RESOLVED_WAIT_RETENTION_MS,
} from './sql/housekeeping';
export { MAX_TEXT_BYTES, StoreInputError } from './validate';
export * from './types';
export { deriveSuppressionKey, type SuppressionKey } from './suppressionKey';
export {
	DEFAULT_RETENTION,
	MAX_RETENTION_DAYS,
	RETENTION_FIELDS,
	retentionFromCredentials,
	type AccountRetention,
	type RetentionSettings,
} from './retention';
