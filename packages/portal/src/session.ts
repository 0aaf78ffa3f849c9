// The API key lives in sessionStorage only: it leaves with the tab, is never put in a URL,
// localStorage, a cookie or a log line, and every request sends it as a Bearer header (SDK).
const KEY = 'medgrade.portal.apiKey';

/** The key this tab signed in with, or null. */
export function storedKey(storage: Pick<Storage, 'getItem'> = sessionStorage): string | null {
  return storage.getItem(KEY);
}

export function storeKey(key: string, storage: Pick<Storage, 'setItem'> = sessionStorage): void {
  storage.setItem(KEY, key);
}

export function clearKey(storage: Pick<Storage, 'removeItem'> = sessionStorage): void {
  storage.removeItem(KEY);
}
