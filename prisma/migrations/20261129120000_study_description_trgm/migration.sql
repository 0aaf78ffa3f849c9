-- QIDO-RS wildcard matching on the de-identified StudyDescription ("*CHEST*": no anchor a b-tree
-- could use) and AccessionNumber (a prefix: a b-tree serves LIKE 'abc%' only under the "C"
-- collation). Trigrams narrow the candidates, the exact LIKE runs on those. pg_trgm exists since
-- 20261129070000_study_patient_name.
CREATE INDEX "Study_studyDescription_idx" ON "Study" USING GIN ("studyDescription" gin_trgm_ops);
CREATE INDEX "Study_accessionNumber_idx" ON "Study" USING GIN ("accessionNumber" gin_trgm_ops);
