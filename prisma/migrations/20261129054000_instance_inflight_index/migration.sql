-- The ingest reconciler looks for RECEIVED/DEIDENTIFYING instances last changed before its grace
-- period, oldest first. A partial index holds only those in-flight rows (a handful, however many
-- READY rows the table has), in updatedAt order, so each pass is a short index range scan.
CREATE INDEX "Instance_inflight_updatedAt_idx" ON "Instance"("updatedAt") WHERE (status IN ('RECEIVED', 'DEIDENTIFYING'));
