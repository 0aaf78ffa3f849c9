// Inputs of an asynchronous inference between submit and job. An uploaded file is de-identified
// in the gateway first (inference.inputs.ts) and only those de-identified bytes are staged, under
// inference-inputs/<org>/<inference>/<n>.dcm, until the job has finished (success or final
// failure). Study and instance inputs are not copied: the job re-reads them by the stored ids.
import { UnprocessableError } from '@medgrade/contracts';
import type { Inference, PrismaClient } from '@medgrade/db';
import { getBuffer, inferenceInputKey, inferenceInputsPrefix, ObjectNotFoundError, type ObjectStore } from '@medgrade/storage';
import type { ResolvedInputs } from './run.types.ts';
import { storedRequest } from './inference.runner.ts';

/** Stores the de-identified uploaded bytes of the inputs (no-op for study and instance inputs). */
export async function stageInputs(store: ObjectStore, orgId: string, inferenceId: string, inputs: ResolvedInputs): Promise<void> {
  await Promise.all(inputs.inputs.map(async (input, n) => {
    if ('dicomBase64' in input) await store.put(inferenceInputKey(orgId, inferenceId, n), Buffer.from(input.dicomBase64, 'base64'), { contentType: 'application/dicom' });
  }));
}

/** Deletes the staged inputs of an inference (safe to repeat). */
export async function deleteStagedInputs(store: ObjectStore, row: Pick<Inference, 'orgId' | 'id'>): Promise<void> {
  const keys: string[] = [];
  for await (const info of store.list(inferenceInputsPrefix(row.orgId, row.id))) keys.push(info.key);
  await store.deleteMany(keys);
}

async function stagedUpload(store: ObjectStore, row: Inference, count: number): Promise<ResolvedInputs['inputs']> {
  try {
    return await Promise.all(Array.from({ length: count }, async (_, n) => ({ dicomBase64: (await getBuffer(store, inferenceInputKey(row.orgId, row.id, n))).toString('base64') })));
  } catch (error) {
    if (error instanceof ObjectNotFoundError) throw new UnprocessableError('The uploaded file of this inference is no longer stored: submit it again');
    throw error;
  }
}

/** The inputs of a stored inference, read back for its job (instances re-checked in its organization). */
export async function loadInputs(prisma: PrismaClient, store: ObjectStore, row: Inference): Promise<ResolvedInputs> {
  const { kind, instanceIds } = storedRequest(row).input;
  if (kind === 'upload') return { kind, inputs: await stagedUpload(store, row, instanceIds.length), instanceIds };
  const ids = instanceIds.filter((id): id is string => id !== null);
  const rows = await prisma.instance.findMany({ where: { orgId: row.orgId, id: { in: ids }, status: 'READY' }, select: { id: true, objectKey: true } });
  const keys = new Map(rows.map((r) => [r.id, r.objectKey]));
  const inputs = ids.map((id) => keys.get(id));
  if (inputs.some((key) => !key)) throw new UnprocessableError('An instance of this inference is no longer available: submit it again');
  return { kind, inputs: inputs.map((objectKey) => ({ objectKey: objectKey! })), instanceIds: ids };
}
