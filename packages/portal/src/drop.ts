// Files from a drop (folders walked recursively through the File and Directory Entries API) or
// from an <input type=file> (with or without webkitdirectory). Hidden files (.DS_Store, ...) are
// left out: they are never DICOM and would only be rejected.

interface Entry {
  isFile: boolean;
  isDirectory: boolean;
  name: string;
}
interface FileEntryLike extends Entry {
  file(success: (file: File) => void, failure: (error: unknown) => void): void;
}
interface DirectoryEntryLike extends Entry {
  createReader(): { readEntries(success: (entries: Entry[]) => void, failure: (error: unknown) => void): void };
}

const visible = (name: string) => !name.startsWith('.');

async function walk(entry: Entry, out: File[]): Promise<void> {
  if (!visible(entry.name)) return;
  if (entry.isFile) {
    out.push(await new Promise<File>((resolve, reject) => (entry as FileEntryLike).file(resolve, reject)));
    return;
  }
  if (!entry.isDirectory) return;
  const reader = (entry as DirectoryEntryLike).createReader();
  // readEntries answers in batches (100 in Chromium) until it answers an empty one.
  for (;;) {
    const batch = await new Promise<Entry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return;
    for (const child of batch) await walk(child, out);
  }
}

/** Every file of a drop, folders included, in a stable order (by path). */
export async function filesFromDrop(transfer: DataTransfer): Promise<File[]> {
  const entries = [...transfer.items]
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry() as Entry | null);
  if (entries.some((e) => e === null)) return filesFromList(transfer.files);
  const out: File[] = [];
  for (const entry of entries) await walk(entry!, out);
  return out;
}

/** The files of an <input type=file>, hidden ones left out, ordered by relative path. */
export function filesFromList(list: FileList | null): File[] {
  const files = [...(list ?? [])].filter((f) => visible(f.name));
  const path = (f: File) => f.webkitRelativePath || f.name;
  return files.sort((a, b) => path(a).localeCompare(path(b)));
}
