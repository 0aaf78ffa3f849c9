// The shapes a run shares between the gateway (which resolves and submits) and the worker (which
// runs): models resolved to exact versions, and inputs resolved to de-identified objects or bytes.
import type { InternalInferRequest } from '@medgrade/contracts';
import type { BaseLogger } from 'pino';

/** One model version a request runs. */
export interface ResolvedModel {
  name: string;
  version: string;
  versionId: string;
}

/** Inputs for the inference service plus the instance id of each (null for an uploaded file). */
export interface ResolvedInputs {
  kind: 'study' | 'instances' | 'upload';
  inputs: InternalInferRequest['inputs'];
  instanceIds: (string | null)[];
}

/** The log lines a run writes (the gateway's request logger or the worker's process logger). */
export type RunLog = Pick<BaseLogger, 'info' | 'warn' | 'error'>;
