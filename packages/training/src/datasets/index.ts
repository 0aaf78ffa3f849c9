export { DatasetService, type Actor, type AuditWrite, type DatasetServiceDeps } from './dataset.service.ts';
export { DatasetRepository, type TenantScope, type DatasetWithCount } from './dataset.repository.ts';
export { toDatasetDto, toSnapshotDto } from './dataset.dto.ts';
export { buildSnapshot, snapshotDigest, type BuiltSnapshot, type SnapshotSource } from './snapshot.build.ts';
export { splitByPatient, SPLITS, type Split, type SplitStudy, type SplitFractions } from './split.ts';
export { parseLabelLines, resolveRow, candidateUids, type ProjectDeid, type MatchableStudy, type ResolvedLabel } from './labels.rows.ts';
