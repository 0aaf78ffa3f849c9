-- QIDO-RS study matching on the de-identified PatientName and PatientID (issue 4 follow-up).
-- pg_trgm is a trusted extension (PostgreSQL 13+): a role with CREATE on the database installs it.
-- It lives only here, as the audit trigger does: Prisma's extension support is a retiring preview.
CREATE EXTENSION IF NOT EXISTS "pg_trgm";

-- The PatientName (0010,0010) the de-identified output carries (a surrogate under the default
-- profile), filled by the deid-worker from the output bytes, never from the upload.
ALTER TABLE "Study" ADD COLUMN "patientName" TEXT;

-- PatientID: exact values (the common search) by b-tree within the organization.
CREATE INDEX "Study_orgId_patientSurrogateId_idx" ON "Study"("orgId", "patientSurrogateId");

-- PatientID wildcards, a prefix too (a b-tree serves LIKE 'abc%' only under the "C" collation),
-- and PatientName: fuzzy matching (a case-insensitive prefix of some name part) and wildcards
-- have no anchor a b-tree could use. Trigrams narrow the candidates (for fuzzy matching each word
-- must occur in the name, which the query also states as ILIKE '%word%'), the exact test runs on those.
CREATE INDEX "Study_patientSurrogateId_idx" ON "Study" USING GIN ("patientSurrogateId" gin_trgm_ops);
CREATE INDEX "Study_patientName_idx" ON "Study" USING GIN ("patientName" gin_trgm_ops);
