// Small shared pieces: the session context, the error banner, a hook for one async call, and
// an image read through the SDK (the Bearer header cannot ride on an <img src>).
import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import type { Medgrade, MeGetResponse } from '@medgrade/sdk';
import { shownError, type ShownError } from './errors.ts';

export interface Session {
  mg: Medgrade;
  me: MeGetResponse;
}

export const SessionContext = createContext<Session | null>(null);

/** The signed-in session (screens render only inside it). */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in portal');
  return session;
}

export function canAny(me: MeGetResponse, ...scopes: MeGetResponse['scopes']): boolean {
  return me.scopes.includes('admin') || scopes.some((s) => me.scopes.includes(s));
}

export function ErrorBanner({ error }: { error: ShownError | null }) {
  if (!error) return null;
  return (
    <div class="error" role="alert">
      <strong>{error.status ? `${error.status} ${error.code ?? ''}` : error.code ?? 'Error'}</strong>: {error.message}
      {error.requestId ? <span class="muted"> (request {error.requestId})</span> : null}
    </div>
  );
}

export interface Async<T> {
  data: T | null;
  error: ShownError | null;
  loading: boolean;
  reload: () => void;
}

/** Run `load` when `deps` change; the latest answer wins. */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Async<T> {
  const [state, setState] = useState<{ data: T | null; error: ShownError | null; loading: boolean }>({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true, error: null }));
    load(controller.signal).then(
      (data) => !controller.signal.aborted && setState({ data, error: null, loading: false }),
      (error: unknown) => !controller.signal.aborted && setState({ data: null, error: shownError(error), loading: false }),
    );
    return () => controller.abort();
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

/** An image fetched as a Blob through the SDK and shown from an object URL (revoked on unmount). */
/** `id` names the image: it is fetched again only when `id` changes. */
export function AuthImage({ id, load, alt, size }: { id: string; load: (signal: AbortSignal) => Promise<Blob>; alt: string; size: number }) {
  const loader = useRef(load);
  loader.current = load;
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    let objectUrl: string | null = null;
    loader.current(controller.signal).then(
      (blob) => {
        if (controller.signal.aborted) return;
        objectUrl = URL.createObjectURL(blob);
        setUrl(objectUrl);
      },
      (error: unknown) => !controller.signal.aborted && setFailed(shownError(error).message),
    );
    return () => {
      controller.abort();
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [id]);
  if (failed) return <span class="thumb thumb-missing" style={{ width: size, height: size }} title={failed}>no image</span>;
  if (!url) return <span class="thumb" style={{ width: size, height: size }} aria-busy="true" />;
  return <img class="thumb" src={url} alt={alt} width={size} height={size} />;
}

export function Section({ title, children, level = 2 }: { title: string; children: ComponentChildren; level?: 2 | 3 }) {
  const Heading = level === 2 ? 'h2' : 'h3';
  return (
    <section aria-label={title}>
      <Heading>{title}</Heading>
      {children}
    </section>
  );
}

export function Loading({ what }: { what: string }) {
  return <p class="muted" role="status">Loading {what}…</p>;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function formatTime(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString() : '–';
}
