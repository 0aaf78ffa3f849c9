export * from './object-store.ts';
export { FsObjectStore } from './fs.store.ts';
export { S3ObjectStore, type S3StoreOptions } from './s3.store.ts';
export { createObjectStore, type StorageSettings } from './store.factory.ts';
export * from './object-keys.ts';
export { deleteStaleObjects, type StaleObjectSweep } from './stale-objects.ts';
