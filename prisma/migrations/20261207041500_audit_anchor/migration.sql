-- The keyed anchor of each organization audit chain head (issue 14.7): one row per organization,
-- rewritten by every append under the chain advisory lock. Its HMAC (AUDIT_ANCHOR_KEY) lets
-- /v1/audit/verify refuse a chain rewritten with recomputed hashes.
-- CreateTable
CREATE TABLE "AuditAnchor" (
    "orgId" UUID NOT NULL,
    "seq" BIGINT NOT NULL,
    "hash" TEXT NOT NULL,
    "mac" TEXT NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "AuditAnchor_pkey" PRIMARY KEY ("orgId")
);

-- AddForeignKey
ALTER TABLE "AuditAnchor" ADD CONSTRAINT "AuditAnchor_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
