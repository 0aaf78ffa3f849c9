// Byte helpers over the generated WADO-RS operations: the Part 10 files of a retrieval.
import type { Medgrade } from './client.ts';
import { multipartParts } from './multipart.ts';

/** The de-identified instance's DICOM Part 10 bytes (WADO-RS retrieveInstance, unwrapped from multipart/related). */
export async function retrieveInstanceBytes(api: Medgrade, uids: { study: string; series: string; sop: string }, signal?: AbortSignal): Promise<Uint8Array> {
  const { data } = await api.dicomweb.retrieveInstance({ path: uids, signal: signal ?? null });
  const [part] = await multipartParts(data);
  if (!part) throw new Error('WADO-RS answered an empty multipart body');
  return part.bytes;
}

/** Every Part 10 file of a study (WADO-RS retrieveStudy), in the order served. */
export async function retrieveStudyBytes(api: Medgrade, study: string, signal?: AbortSignal): Promise<Uint8Array[]> {
  const { data } = await api.dicomweb.retrieveStudy({ path: { study }, signal: signal ?? null });
  return (await multipartParts(data)).map((p) => p.bytes);
}
