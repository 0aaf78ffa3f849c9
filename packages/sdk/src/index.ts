// @medgrade/sdk, browser-safe entry (no node: imports; the unit test checks): the generated
// client and types, and the thin layer generation cannot provide. Node-only helpers (files,
// folders and zips from paths) are in '@medgrade/sdk/node'.
export { createMedgrade, Medgrade, type MedgradeOptions } from './client.ts';
export { MedgradeError, type MedgradeErrorCode } from './errors.ts';
export { DEFAULT_RETRY, backoffMs, retryAfterMs, sleep, type RetryPolicy } from './retry.ts';
export { uploadFiles, summarize, type FileProgress, type FileState, type UploadOptions, type UploadSummary } from './uploads.ts';
export { FINAL_INFERENCE_STATES, FINAL_INSTANCE_STATES, PollTimeoutError, uploadIsFinal, waitForInference, waitForUpload, type PollOptions } from './polling.ts';
export { retrieveInstanceBytes, retrieveStudyBytes } from './dicomweb.ts';
export { multipartBoundary, multipartParts, parseMultipart, type MultipartPart } from './multipart.ts';
export { verifyWebhook, WEBHOOK_TOLERANCE_SECONDS, type VerifyWebhookOptions } from './webhooks.ts';
export { MedgradeApi } from './generated/sdk.gen.ts';
export type * from './generated/types.gen.ts';
