-- Fine-tuning jobs (issue 11): node pools, per-organization quotas, jobs with leases, attempts and
-- their per-job event stream. The default local pool `cpu` exists from the start (one slot, the
-- orchestrator sets its capacity from TRAINING_CPU_POOL_CAPACITY at start-up).
-- CreateEnum
CREATE TYPE "ExecutorKind" AS ENUM ('local', 'slurm', 'kubernetes');

-- CreateEnum
CREATE TYPE "FinetuneMethod" AS ENUM ('full', 'lora');

-- CreateEnum
CREATE TYPE "FinetunePriority" AS ENUM ('urgent', 'standard', 'preemptible');

-- CreateEnum
CREATE TYPE "FinetuneStatus" AS ENUM ('validating', 'queued', 'running', 'preempted', 'evaluating', 'succeeded', 'failed', 'cancelled');

-- CreateTable
CREATE TABLE "NodePool" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "executorKind" "ExecutorKind" NOT NULL,
    "gpuType" TEXT,
    "gpusPerNode" INTEGER NOT NULL DEFAULT 0,
    "capacityGpus" INTEGER NOT NULL,
    "spot" BOOLEAN NOT NULL DEFAULT false,
    "settings" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "NodePool_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FinetuneQuota" (
    "id" UUID NOT NULL,
    "orgId" UUID NOT NULL,
    "nodePoolId" UUID NOT NULL,
    "maxConcurrentGpus" INTEGER,
    "gpuHoursLimit" DOUBLE PRECISION,
    "periodDays" INTEGER NOT NULL DEFAULT 30,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "FinetuneQuota_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FinetuneJob" (
    "id" UUID NOT NULL,
    "orgId" UUID NOT NULL,
    "projectId" UUID,
    "createdBy" UUID,
    "baseModelVersionId" UUID NOT NULL,
    "datasetSnapshotId" UUID NOT NULL,
    "method" "FinetuneMethod" NOT NULL,
    "hyperparameters" JSONB NOT NULL DEFAULT '{}',
    "seed" INTEGER NOT NULL,
    "priority" "FinetunePriority" NOT NULL DEFAULT 'standard',
    "nodePoolId" UUID NOT NULL,
    "gpus" INTEGER NOT NULL DEFAULT 1,
    "gate" JSONB,
    "status" "FinetuneStatus" NOT NULL DEFAULT 'validating',
    "pendingReason" TEXT,
    "position" INTEGER,
    "errorCode" TEXT,
    "errorMessage" TEXT,
    "modelVersionId" UUID,
    "attemptCount" INTEGER NOT NULL DEFAULT 0,
    "preemptions" INTEGER NOT NULL DEFAULT 0,
    "nodeFailures" INTEGER NOT NULL DEFAULT 0,
    "notBefore" TIMESTAMPTZ(3),
    "preemptRequestedAt" TIMESTAMPTZ(3),
    "cancelRequestedAt" TIMESTAMPTZ(3),
    "lastStep" INTEGER,
    "lastCheckpointStep" INTEGER,
    "lastCheckpointAt" TIMESTAMPTZ(3),
    "eventSeq" INTEGER NOT NULL DEFAULT 0,
    "leaseOwner" TEXT,
    "leaseExpiresAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    "finishedAt" TIMESTAMPTZ(3),
    "datasetLabelId" UUID,

    CONSTRAINT "FinetuneJob_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FinetuneAttempt" (
    "id" UUID NOT NULL,
    "jobId" UUID NOT NULL,
    "n" INTEGER NOT NULL,
    "nodePoolId" UUID NOT NULL,
    "executorKind" "ExecutorKind" NOT NULL,
    "externalId" TEXT,
    "gpus" INTEGER NOT NULL,
    "startedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "endedAt" TIMESTAMPTZ(3),
    "cause" TEXT,
    "exitCode" INTEGER,
    "logKey" TEXT NOT NULL,
    "eventChunks" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "FinetuneAttempt_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FinetuneEvent" (
    "jobId" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "attempt" INTEGER,
    "data" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "FinetuneEvent_pkey" PRIMARY KEY ("jobId","seq")
);

-- CreateIndex
CREATE UNIQUE INDEX "NodePool_name_key" ON "NodePool"("name");

-- CreateIndex
CREATE UNIQUE INDEX "FinetuneQuota_orgId_nodePoolId_key" ON "FinetuneQuota"("orgId", "nodePoolId");

-- CreateIndex
CREATE INDEX "FinetuneJob_orgId_createdAt_idx" ON "FinetuneJob"("orgId", "createdAt");

-- CreateIndex
CREATE INDEX "FinetuneJob_status_nodePoolId_idx" ON "FinetuneJob"("status", "nodePoolId");

-- CreateIndex
CREATE UNIQUE INDEX "FinetuneAttempt_jobId_n_key" ON "FinetuneAttempt"("jobId", "n");

-- AddForeignKey
ALTER TABLE "FinetuneQuota" ADD CONSTRAINT "FinetuneQuota_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FinetuneQuota" ADD CONSTRAINT "FinetuneQuota_nodePoolId_fkey" FOREIGN KEY ("nodePoolId") REFERENCES "NodePool"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FinetuneJob" ADD CONSTRAINT "FinetuneJob_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FinetuneJob" ADD CONSTRAINT "FinetuneJob_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FinetuneJob" ADD CONSTRAINT "FinetuneJob_baseModelVersionId_fkey" FOREIGN KEY ("baseModelVersionId") REFERENCES "ModelVersion"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FinetuneJob" ADD CONSTRAINT "FinetuneJob_modelVersionId_fkey" FOREIGN KEY ("modelVersionId") REFERENCES "ModelVersion"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FinetuneJob" ADD CONSTRAINT "FinetuneJob_nodePoolId_fkey" FOREIGN KEY ("nodePoolId") REFERENCES "NodePool"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FinetuneJob" ADD CONSTRAINT "FinetuneJob_datasetSnapshotId_fkey" FOREIGN KEY ("datasetSnapshotId") REFERENCES "DatasetSnapshot"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FinetuneJob" ADD CONSTRAINT "FinetuneJob_datasetLabelId_fkey" FOREIGN KEY ("datasetLabelId") REFERENCES "DatasetLabel"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FinetuneAttempt" ADD CONSTRAINT "FinetuneAttempt_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "FinetuneJob"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FinetuneAttempt" ADD CONSTRAINT "FinetuneAttempt_nodePoolId_fkey" FOREIGN KEY ("nodePoolId") REFERENCES "NodePool"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FinetuneEvent" ADD CONSTRAINT "FinetuneEvent_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "FinetuneJob"("id") ON DELETE CASCADE ON UPDATE CASCADE;


INSERT INTO "NodePool" ("id", "name", "executorKind", "gpusPerNode", "capacityGpus", "updatedAt") VALUES (gen_random_uuid(), 'cpu', 'local', 0, 1, CURRENT_TIMESTAMP);
