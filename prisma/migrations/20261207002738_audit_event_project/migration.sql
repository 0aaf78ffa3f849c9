-- AlterTable
ALTER TABLE "AuditEvent" ADD COLUMN     "projectId" UUID;

-- CreateIndex
CREATE INDEX "AuditEvent_orgId_projectId_seq_idx" ON "AuditEvent"("orgId", "projectId", "seq");

