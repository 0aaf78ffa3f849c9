// The catalog entry this service serves, typed for the handler.
import { JOB_CATALOG } from '@medgrade/contracts';
import type { PayloadOf } from '@medgrade/queue';

/** Queue the de-identification worker consumes. */
export const DEID_QUEUE = JOB_CATALOG.InstanceDeidentify.queue;

/** `{ requestId, instanceId, rawBytes? }`: ids and the raw object's size, never a header value. */
export type InstanceDeidentifyPayload = PayloadOf<typeof JOB_CATALOG.InstanceDeidentify>;

