-- The inference reconciler looks for QUEUED/RUNNING inferences created before its grace period,
-- oldest first. A partial index holds only those in-flight rows (a handful, however many finished
-- inferences the table keeps), in createdAt order, so each pass is a short index range scan.
CREATE INDEX "Inference_inflight_createdAt_idx" ON "Inference"("createdAt") WHERE (status IN ('QUEUED', 'RUNNING'));
