import type { PrismaClient } from '../generated/prisma/client.ts';
import { InferenceRepository } from './inference.repository.ts';
import { InstanceRepository } from './instance.repository.ts';
import { OrganizationRepository } from './organization.repository.ts';
import { ProjectRepository } from './project.repository.ts';
import { StudyRepository } from './study.repository.ts';
import { UploadRepository } from './upload.repository.ts';

export { InferenceRepository } from './inference.repository.ts';
export { InstanceRepository, type InstanceObject } from './instance.repository.ts';
export { OrganizationRepository } from './organization.repository.ts';
export { ProjectRepository, type DeidProfileRow, type InTransaction, type ProjectCreate } from './project.repository.ts';
export { StudyRepository } from './study.repository.ts';
export { UploadRepository, type UploadEntry, type UploadItemInput, type UploadStatus } from './upload.repository.ts';

/** The repositories a service reaches its rows through; each read takes the caller's TenantScope. */
export interface Repositories {
  inferences: InferenceRepository;
  instances: InstanceRepository;
  organizations: OrganizationRepository;
  projects: ProjectRepository;
  studies: StudyRepository;
  uploads: UploadRepository;
}

/** Every repository over one client. */
export function createRepositories(prisma: PrismaClient): Repositories {
  return { inferences: new InferenceRepository(prisma), instances: new InstanceRepository(prisma), organizations: new OrganizationRepository(prisma), projects: new ProjectRepository(prisma), studies: new StudyRepository(prisma), uploads: new UploadRepository(prisma) };
}
