// Hash routes (#/studies/<uid>): the gateway serves one index.html under /portal/, and nothing
// secret is ever part of a route.
export interface Route {
  screen: string;
  parts: string[];
  params: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  const [screen = 'upload', ...parts] = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { screen, parts, params: new URLSearchParams(query) };
}

export function href(screen: string, ...parts: string[]): string {
  return `#/${[screen, ...parts.map(encodeURIComponent)].join('/')}`;
}
