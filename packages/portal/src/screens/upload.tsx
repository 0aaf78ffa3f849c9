// Upload: drop a folder or a zip (or pick files/a folder from the keyboard); each file gets a row
// with a progress bar through queued → uploading → received → de-identified / rejected, the
// reason of every rejection, and the totals. Uses the SDK's uploadFiles (one POST per file,
// then polling of GET /v1/uploads/{id} until every instance is final).
import { useRef, useState } from 'preact/hooks';
import { uploadFiles } from '@medgrade/sdk';
import { filesFromDrop, filesFromList } from '../drop.ts';
import { shownError, type ShownError } from '../errors.ts';
import { STAGES, applyProgress, initialRows, reasons, stage, stateLabel, totals, type FileRow } from '../upload-state.ts';
import { ErrorBanner, canAny, formatBytes, useSession } from '../ui.tsx';

function Totals({ rows }: { rows: FileRow[] }) {
  const t = totals(rows);
  return (
    <div class="totals" role="status" aria-live="polite" data-testid="upload-totals">
      <progress max={t.files} value={t.done} aria-label="Files finished" />
      <span>{t.done} of {t.files} files finished ({formatBytes(t.bytes)})</span>
      <span>de-identified <strong data-testid="total-ready">{t.ready}</strong></span>
      <span>rejected <strong data-testid="total-rejected">{t.rejected}</strong></span>
      <span>failed <strong data-testid="total-failed">{t.failed}</strong></span>
      <span>already stored <strong>{t.duplicates}</strong></span>
    </div>
  );
}

function Row({ row }: { row: FileRow }) {
  const why = reasons(row);
  return (
    <tr data-testid="upload-row" data-state={row.state}>
      <th scope="row" class="file-name">{row.name}</th>
      <td class="size">{formatBytes(row.bytes)}</td>
      <td><progress max={STAGES} value={stage(row)} aria-label={`${row.name}: ${stateLabel(row)}`} /></td>
      <td class={`state state-${row.state}`} data-testid="upload-state">{stateLabel(row)}</td>
      <td data-testid="upload-reason">{why.length > 0 ? <ul class="reasons">{why.map((r, i) => <li key={i}>{r}</li>)}</ul> : row.instances.length > 1 ? `${row.instances.length} instances` : ''}</td>
    </tr>
  );
}

export function UploadScreen() {
  const { mg, me } = useSession();
  const [rows, setRows] = useState<FileRow[]>([]);
  const [busy, setBusy] = useState(false);
  const [dragging, setDragging] = useState(false);
  const [error, setError] = useState<ShownError | null>(null);
  const filesInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);

  const start = async (files: File[]) => {
    if (files.length === 0 || busy) return;
    setError(null);
    setBusy(true);
    setRows(initialRows(files));
    try {
      await uploadFiles(mg, files, {
        concurrency: 4,
        poll: { timeoutMs: 10 * 60_000 },
        onProgress: ({ index, state, instances, uploadId, error: failure }) => setRows((current) => applyProgress(current, { index, state, instances, ...(uploadId ? { uploadId } : {}), ...(failure ? { error: shownError(failure) } : {}) })),
      });
    } catch (e) {
      setError(shownError(e));
    } finally {
      setBusy(false);
    }
  };

  const onDrop = async (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    if (event.dataTransfer) await start(await filesFromDrop(event.dataTransfer));
  };
  const fromInput = (input: HTMLInputElement | null) => {
    const files = filesFromList(input?.files ?? null);
    if (input) input.value = '';
    void start(files);
  };

  if (!canAny(me, 'studies:write')) return <p>This API key cannot upload (it needs the studies:write scope).</p>;
  return (
    <div>
      <div
        class={`dropzone${dragging ? ' dragging' : ''}`}
        onDragOver={(e) => { e.preventDefault(); setDragging(true); }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
        data-testid="dropzone"
      >
        <p>Drop a folder, DICOM files or a .zip of them here, or choose them:</p>
        {/* Each input precedes its label, so the label (styled as a button) shows the input's keyboard focus. */}
        <input id="pick-files" class="visually-hidden" type="file" multiple ref={filesInput} onChange={() => fromInput(filesInput.current)} disabled={busy} />
        <label class="button" for="pick-files">Choose files or zips</label>
        <input id="pick-folder" class="visually-hidden" type="file" multiple {...{ webkitdirectory: true }} ref={folderInput} onChange={() => fromInput(folderInput.current)} disabled={busy} />
        <label class="button" for="pick-folder">Choose a folder</label>
        <p class="muted">Every file is de-identified before anything is stored; refused files are listed with the reason.</p>
      </div>
      <ErrorBanner error={error} />
      {rows.length > 0 ? (
        <>
          <Totals rows={rows} />
          <table class="grid">
            <caption class="visually-hidden">Uploaded files and their states</caption>
            <thead><tr><th scope="col">File</th><th scope="col">Size</th><th scope="col">Progress</th><th scope="col">State</th><th scope="col">Reason</th></tr></thead>
            <tbody>{rows.map((row) => <Row key={row.index} row={row} />)}</tbody>
          </table>
        </>
      ) : null}
    </div>
  );
}
