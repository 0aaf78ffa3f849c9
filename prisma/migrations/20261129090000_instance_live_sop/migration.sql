-- One live Instance per de-identified SOP Instance UID in a project (DICOM's identity for an
-- instance): a re-upload of the same SOP Instance UID with other bytes is reported as the
-- instance already stored instead of indexing a second row that shares its output object.
--
-- Before this index, such re-uploads could both end READY. Existing duplicates are resolved first,
-- deterministically, so that the index can be built: per (projectId, sopInstanceUid) the earliest
-- READY row is kept (else the earliest live row), the others become REJECTED with errorCode
-- DUPLICATE_SOP_INSTANCE, and the series and study counters they moved are moved back.
-- Live rows without a sopInstanceUid (not yet de-identified) take part once the worker sets it.
WITH "ranked" AS (
  SELECT "id", "status", "seriesId",
         row_number() OVER (PARTITION BY "projectId", "sopInstanceUid"
                            ORDER BY ("status" = 'READY') DESC, "createdAt", "id") AS "rank"
  FROM "Instance"
  WHERE "sopInstanceUid" IS NOT NULL AND "status" IN ('RECEIVED', 'DEIDENTIFYING', 'READY')
), "demoted" AS (
  UPDATE "Instance" AS i SET "status" = 'REJECTED', "errorCode" = 'DUPLICATE_SOP_INSTANCE', "updatedAt" = now()
  FROM "ranked" AS r
  WHERE i."id" = r."id" AND r."rank" > 1
  RETURNING r."seriesId", r."status" AS "was"
), "perSeries" AS (
  SELECT "seriesId", count(*)::int AS "n" FROM "demoted"
  WHERE "was" = 'READY' AND "seriesId" IS NOT NULL
  GROUP BY "seriesId"
), "seriesDone" AS (
  UPDATE "Series" AS s SET "instanceCount" = s."instanceCount" - p."n", "updatedAt" = now()
  FROM "perSeries" AS p
  WHERE s."id" = p."seriesId"
  RETURNING s."studyId", p."n"
)
UPDATE "Study" AS st SET "instanceCount" = st."instanceCount" - x."n", "updatedAt" = now()
FROM (SELECT "studyId", sum("n")::int AS "n" FROM "seriesDone" GROUP BY "studyId") AS x
WHERE st."id" = x."studyId";

-- Partial: REJECTED and FAILED rows do not block a new try of the same instance.
CREATE UNIQUE INDEX "Instance_live_sop_key" ON "Instance"("projectId", "sopInstanceUid") WHERE (status = ANY (ARRAY['RECEIVED'::"InstanceStatus", 'DEIDENTIFYING'::"InstanceStatus", 'READY'::"InstanceStatus"]));
