// @medgrade/inference-runs: the lifecycle of an Inference row, shared by the gateway (submit, the
// ?wait=true run) and the inference worker (queued runs, webhooks, the reconciler).
export { InferenceServiceClient, upstreamError, type InferenceClient, type OipTarget } from './inference-service.client.ts';
export { claimRun, leaseUntil, releaseRun, whileLeased, type LeaseContext } from './inference.lease.ts';
export {
  createInferenceReconcileRepository, pendingWebhooksSql, reconcileInferences, stuckInferencesSql,
  type InferenceReconcileOptions, type InferenceReconcileRepository, type InferenceReconcileResult, type InferenceReconcilerDeps,
} from './inference.reconciler.ts';
export {
  executeInference, finishInference, isFinal, sealedWebhook, storedRequest, toInferenceDto, TRANSIENT_CODES,
  type FinishOptions, type RunContext, type RunJob, type RunRef, type StoredRequest,
} from './inference.runner.ts';
export { deleteStagedInputs, loadInputs, stageInputs } from './inference.staging.ts';
export { handleInferenceRun, handleInferenceWebhookDeliver, startInferenceWorker, type InferenceWorker, type InferenceWorkerOptions } from './inference.worker.ts';
export type { ResolvedInputs, ResolvedModel, RunLog } from './run.types.ts';
export { deliverWebhook, openWebhook, sealWebhook, signBody, WebhookStatusError, type DeliveryOptions, type WebhookTarget } from './webhook.delivery.ts';
export { classifyAddress, parseWebhookUrl, vetWebhookUrl, WebhookUrlError, type Resolver, type VettedAddress, type WebhookRefusal } from './webhook.guard.ts';
