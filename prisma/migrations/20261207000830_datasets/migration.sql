-- Datasets (issue 11): labelled sets of a project's de-identified studies, their per-study labels
-- and de-identified reports, and immutable train/val/test snapshots the orchestrator trains on.
-- A study's labels go with the study when it is deleted (an erasure request). A snapshot row is
-- immutable: the trigger at the end refuses UPDATE (its manifests in the object store are
-- content-addressed by the recorded SHA-256, so a changed row would lie about what was trained).
-- CreateTable
CREATE TABLE "Dataset" (
    "id" UUID NOT NULL,
    "orgId" UUID NOT NULL,
    "projectId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "task" TEXT NOT NULL,
    "createdBy" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Dataset_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DatasetLabel" (
    "id" UUID NOT NULL,
    "orgId" UUID NOT NULL,
    "projectId" UUID NOT NULL,
    "datasetId" UUID NOT NULL,
    "studyId" UUID NOT NULL,
    "labels" JSONB NOT NULL,
    "report" TEXT,
    "site" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "DatasetLabel_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DatasetSnapshot" (
    "id" UUID NOT NULL,
    "orgId" UUID NOT NULL,
    "projectId" UUID NOT NULL,
    "datasetId" UUID NOT NULL,
    "seed" INTEGER NOT NULL,
    "valFraction" DOUBLE PRECISION NOT NULL,
    "testFraction" DOUBLE PRECISION NOT NULL,
    "labelNames" TEXT[],
    "trainKey" TEXT NOT NULL,
    "valKey" TEXT NOT NULL,
    "testKey" TEXT NOT NULL,
    "metadataKey" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "trainCount" INTEGER NOT NULL,
    "valCount" INTEGER NOT NULL,
    "testCount" INTEGER NOT NULL,
    "stats" JSONB NOT NULL,
    "createdBy" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DatasetSnapshot_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Dataset_orgId_createdAt_id_idx" ON "Dataset"("orgId", "createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "Dataset_projectId_name_key" ON "Dataset"("projectId", "name");

-- CreateIndex
CREATE INDEX "DatasetLabel_studyId_idx" ON "DatasetLabel"("studyId");

-- CreateIndex
CREATE UNIQUE INDEX "DatasetLabel_datasetId_studyId_key" ON "DatasetLabel"("datasetId", "studyId");

-- CreateIndex
CREATE INDEX "DatasetSnapshot_datasetId_createdAt_id_idx" ON "DatasetSnapshot"("datasetId", "createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "DatasetSnapshot_orgId_idx" ON "DatasetSnapshot"("orgId");

-- AddForeignKey
ALTER TABLE "Dataset" ADD CONSTRAINT "Dataset_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Dataset" ADD CONSTRAINT "Dataset_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DatasetLabel" ADD CONSTRAINT "DatasetLabel_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DatasetLabel" ADD CONSTRAINT "DatasetLabel_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DatasetLabel" ADD CONSTRAINT "DatasetLabel_studyId_fkey" FOREIGN KEY ("studyId") REFERENCES "Study"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DatasetSnapshot" ADD CONSTRAINT "DatasetSnapshot_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Organization"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DatasetSnapshot" ADD CONSTRAINT "DatasetSnapshot_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- The body writes its inner semicolon as \073 (the WebAssembly schema engine splits at every semicolon).
CREATE FUNCTION "dataset_snapshot_refuse_update"() RETURNS trigger LANGUAGE plpgsql AS E'BEGIN RAISE EXCEPTION ''DatasetSnapshot is immutable: % refused'', TG_OP USING ERRCODE = ''insufficient_privilege''\073 END';

CREATE TRIGGER "dataset_snapshot_no_update"
  BEFORE UPDATE ON "DatasetSnapshot"
  FOR EACH ROW EXECUTE FUNCTION "dataset_snapshot_refuse_update"();
