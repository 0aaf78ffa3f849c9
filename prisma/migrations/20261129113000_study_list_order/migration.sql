-- GET /v1/studies lists newest StudyDate first, then by id, with a keyset cursor over (studyDate,
-- id): these indexes give that order per organization and per project, so a page reads only its
-- rows instead of sorting every study of the organization. NULL dates sort first in a DESC index;
-- the gateway reads dated and undated rows as two walks of the same index.
CREATE INDEX "Study_orgId_studyDate_id_idx" ON "Study"("orgId", "studyDate" DESC, "id" DESC);

CREATE INDEX "Study_projectId_studyDate_id_idx" ON "Study"("projectId", "studyDate" DESC, "id" DESC);
