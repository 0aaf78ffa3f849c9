import type { PrismaClient } from '../generated/prisma/client.ts';
import { InferenceRepository } from './inference.repository.ts';
import { IntakeRepository } from './intake.repository.ts';
import { InstanceRepository } from './instance.repository.ts';
import { OrganizationRepository } from './organization.repository.ts';
import { ProjectRepository } from './project.repository.ts';
import { QidoRepository } from './qido.repository.ts';
import { ReviewRepository } from './review.repository.ts';
import { StudyRepository } from './study.repository.ts';
import { UploadRepository } from './upload.repository.ts';

export { InferenceRepository, type InferenceCreate } from './inference.repository.ts';
export { IntakeRepository, type IntakeRow, type KnownInstance } from './intake.repository.ts';
export { InstanceRepository, type InstanceLocation, type InstanceObject } from './instance.repository.ts';
export { OrganizationRepository } from './organization.repository.ts';
export { ProjectRepository, type DeidProfileRow, type InTransaction, type ProjectCreate } from './project.repository.ts';
export { QidoRepository, type QidoFilter, type QidoPage } from './qido.repository.ts';
export { isLiveSopConflict, LIVE_SOP_INDEX, REVIEW_EXPIRED_CODE, REVIEW_PENDING_CODE, REVIEW_REJECTED_CODE, ReviewRepository, type DecidedInstance, type ReviewDecision, type ReviewItem } from './review.repository.ts';
export { StudyRepository, type StudyErasure, type StudyRef, type StudyRows } from './study.repository.ts';
export { UploadRepository, type UploadEntry, type UploadItemInput, type UploadStatus } from './upload.repository.ts';

/** The repositories a service reaches its rows through; each read takes the caller's TenantScope. */
export interface Repositories {
  inferences: InferenceRepository;
  instances: InstanceRepository;
  intake: IntakeRepository;
  organizations: OrganizationRepository;
  projects: ProjectRepository;
  qido: QidoRepository;
  reviews: ReviewRepository;
  studies: StudyRepository;
  uploads: UploadRepository;
}

/** Every repository over one client. */
export function createRepositories(prisma: PrismaClient): Repositories {
  return { inferences: new InferenceRepository(prisma), instances: new InstanceRepository(prisma), intake: new IntakeRepository(prisma), organizations: new OrganizationRepository(prisma), projects: new ProjectRepository(prisma), qido: new QidoRepository(prisma), reviews: new ReviewRepository(prisma), studies: new StudyRepository(prisma), uploads: new UploadRepository(prisma) };
}
