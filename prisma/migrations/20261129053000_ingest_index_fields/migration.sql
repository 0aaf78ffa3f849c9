-- Ingest: image geometry on Instance (QIDO instance attributes) and the age band on Study.
ALTER TABLE "Instance" ADD COLUMN "rows" INTEGER, ADD COLUMN "columns" INTEGER, ADD COLUMN "frames" INTEGER;
ALTER TABLE "Study" ADD COLUMN "patientAgeBand" TEXT;
