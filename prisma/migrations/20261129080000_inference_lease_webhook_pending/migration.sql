-- One run per inference unless its runner died: a RUNNING row carries a lease its runner renews
-- while it works, and the reconciler re-runs only rows whose lease has lapsed (or never existed).
-- Durable webhooks: the final write marks a row with a webhook as pending, delivery clears it, and
-- the reconciler enqueues delivery for finished rows still pending (a crash between the final
-- write and the enqueue). A partial index holds only those few pending rows, by completion time.
ALTER TABLE "Inference" ADD COLUMN "leaseExpiresAt" TIMESTAMPTZ(3), ADD COLUMN "webhookPending" BOOLEAN NOT NULL DEFAULT false;
CREATE INDEX "Inference_webhook_pending_completedAt_idx" ON "Inference"("completedAt") WHERE "webhookPending";
