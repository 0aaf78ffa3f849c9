-- Retention of raw uploads (issue 14.4): transient failures are retried a configured number of
-- times (retryCount), a burned-in review can be approved (burnedInApprovedBy), and the retention
-- sweep finds the rows that still hold a raw object through a partial index that leaves out the
-- READY bulk (their quarantineKey is cleared once the raw object is gone).
ALTER TABLE "Instance" ADD COLUMN "retryCount" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "burnedInApprovedBy" TEXT;

CREATE INDEX "Instance_quarantined_createdAt_idx" ON "Instance"("createdAt") WHERE ("quarantineKey" IS NOT NULL);
