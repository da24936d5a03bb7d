export * from './answers';
export * from './langchainShapes';
export * from './prompt';
export * from './split';
export * from './types';
export * from './optOut';
