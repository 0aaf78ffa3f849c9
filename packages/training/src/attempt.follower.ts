// Follows an attempt through the object store: the trainer's runner writes numbered, immutable
// chunks of event lines; each chunk not yet copied is copied into the job's event stream together
// with the job's progress columns (last step, last uploaded checkpoint), one transaction per
// chunk, so a follower that dies mid-way or runs twice copies every line exactly once.
import type { FinetuneAttempt } from '@medgrade/db';
import { getBuffer, type ObjectStore } from '@medgrade/storage';
import { chunkNumber } from './finetune.keys.ts';
import type { FinetuneRepository, JobChange, NewEvent } from './finetune.repository.ts';

/** One trainer event line (services/trainer events.py). */
interface TrainerLine {
  event: string;
  time?: number;
  [field: string]: unknown;
}

/** Trainer event → stream event; local paths are dropped (they mean nothing off the node). */
export function toStreamEvent(line: TrainerLine, attempt: number): NewEvent {
  const { event, path: _path, ...data } = line;
  return { type: event, attempt, data };
}

/** The job columns a chunk's events move forward. */
export function progressOf(lines: TrainerLine[]): JobChange {
  const change: JobChange = {};
  for (const line of lines) {
    if (line.event === 'step' && typeof line.step === 'number') change.lastStep = line.step;
    if (line.event === 'checkpoint' && typeof line.step === 'number') {
      change.lastCheckpointStep = line.step;
      change.lastCheckpointAt = typeof line.time === 'number' ? new Date(line.time * 1000) : new Date();
    }
  }
  return change;
}

function parseLines(text: string): TrainerLine[] {
  const lines: TrainerLine[] = [];
  for (const raw of text.split('\n')) {
    if (!raw.trim()) continue;
    try {
      const parsed = JSON.parse(raw) as TrainerLine;
      if (typeof parsed.event === 'string') lines.push(parsed);
    } catch {
      lines.push({ event: 'unparsed', length: raw.length }); // kept visible, content not echoed
    }
  }
  return lines;
}

/** Copies new chunks of `attempt` into the stream; returns the events copied (for the caller's decisions). */
export async function followAttempt(store: ObjectStore, repo: FinetuneRepository, attempt: FinetuneAttempt, eventsPrefix: string): Promise<TrainerLine[]> {
  const chunks: number[] = [];
  for await (const info of store.list(eventsPrefix)) {
    const n = chunkNumber(info.key);
    if (n !== null && n > attempt.eventChunks) chunks.push(n);
  }
  chunks.sort((a, b) => a - b);
  const copied: TrainerLine[] = [];
  for (const [i, n] of chunks.entries()) {
    if (n !== attempt.eventChunks + i + 1) break; // a gap: wait for the missing chunk's upload
    const lines = parseLines((await getBuffer(store, `${eventsPrefix}${String(n).padStart(8, '0')}.jsonl`)).toString('utf8'));
    await repo.ingestChunk({ ...attempt, eventChunks: n - 1 }, n, lines.map((l) => toStreamEvent(l, attempt.n)), progressOf(lines));
    copied.push(...lines);
  }
  return copied;
}
