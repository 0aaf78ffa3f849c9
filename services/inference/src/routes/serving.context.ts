import type { PixelLimits } from '@medgrade/model-runtime';
import type { ObjectStore } from '@medgrade/storage';
import type { InferenceMetrics } from '../metrics.ts';
import type { ModelCache } from '../model.cache.ts';

/** What the route plugins share: built once in app.ts. */
export interface ServingContext {
  store: ObjectStore;
  cache: ModelCache;
  metrics: InferenceMetrics;
  requestTimeoutMs: number;
  pixelLimits: PixelLimits;
}
