// HTTP Accept parsing (RFC 9110 12.5.1) for the DICOMweb routes that negotiate a media type:
// ranges in preference order, parameters kept (type=, transfer-syntax= matter to PS3.18 8.7).

/** One media range of an Accept header; `media` and parameter names lower-cased, values unquoted. */
export interface MediaRange {
  media: string;
  params: Record<string, string>;
  q: number;
}

/** Splits at `sep` outside double quotes. */
function splitOutsideQuotes(text: string, sep: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '"') quoted = !quoted;
    else if (text[i] === sep && !quoted) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out.map((s) => s.trim()).filter(Boolean);
}

function parseRange(text: string): MediaRange {
  const [media = '', ...rest] = splitOutsideQuotes(text, ';');
  const params: Record<string, string> = {};
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq <= 0) continue;
    params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  const q = params.q === undefined ? 1 : Number(params.q);
  return { media: media.toLowerCase(), params, q: Number.isFinite(q) ? q : 0 };
}

/** Media ranges of an Accept header (or `accept` query value), most preferred first; q=0 dropped. */
export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [];
  return splitOutsideQuotes(header, ',')
    .map(parseRange)
    .filter((r) => r.q > 0)
    .map((r, i) => ({ r, i }))
    .sort((a, b) => b.r.q - a.r.q || a.i - b.i)
    .map(({ r }) => r);
}
