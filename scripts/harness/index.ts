export * from './api';
export { readPackageManifest, type PackageManifest } from './community-package';
export { localPostgres, type PostgresServer } from './databases';
export * from './n8n';
export { freePorts } from './processes';
export type { RuntimeChoice } from './paths';
export { ensureRuntime, type EnsureRuntimeOptions, type N8nRuntime } from './runtime';
