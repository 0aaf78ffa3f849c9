export * from './model.registry.ts';
export * from './bundle.validate.ts';
export * from './version.transitions.ts';
export * from './candidate.versions.ts';
