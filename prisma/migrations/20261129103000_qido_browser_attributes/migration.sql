-- QIDO-RS attributes a study browser needs (PS3.18 Table 10.6.3-3/-4/-5), filled by the
-- deid-worker from the DE-IDENTIFIED output in its existing READY statements: whatever the
-- project's profile left (surrogate accession number, shifted dates, emptied names). Nullable
-- columns without defaults: adding them rewrites no table. Rows indexed before this migration keep
-- NULL (QIDO answers zero-length values) until their instances are uploaded again.

ALTER TABLE "Study" ADD COLUMN "studyTime" TEXT,
ADD COLUMN "accessionNumber" TEXT,
ADD COLUMN "referringPhysicianName" TEXT,
ADD COLUMN "patientBirthDate" DATE,
ADD COLUMN "dicomStudyId" TEXT,
ADD COLUMN "studyDescription" TEXT;

ALTER TABLE "Series" ADD COLUMN "seriesNumber" INTEGER,
ADD COLUMN "seriesDescription" TEXT,
ADD COLUMN "seriesTime" TEXT,
ADD COLUMN "performedProcedureStepStartDate" DATE,
ADD COLUMN "performedProcedureStepStartTime" TEXT;

ALTER TABLE "Instance" ADD COLUMN "bitsAllocated" INTEGER,
ADD COLUMN "instanceNumber" INTEGER;

-- QIDO AccessionNumber: exact values by b-tree within the organization.
CREATE INDEX "Study_orgId_accessionNumber_idx" ON "Study"("orgId", "accessionNumber");
