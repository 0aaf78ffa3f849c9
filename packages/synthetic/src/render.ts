import type { Anatomy, Ellipse } from './anatomy.ts';
import type { Side } from './findings.ts';

/** Normalized squared distance: < 1 inside the ellipse. */
function inside(e: Ellipse, u: number, v: number): number {
  const du = (u - e.cu) / e.ru;
  const dv = (v - e.cv) / e.rv;
  return du * du + dv * dv;
}

/** Soft edge so shapes are not aliased: 1 well inside, 0 outside. */
function soft(d2: number, edge = 0.08): number {
  if (d2 <= 1 - edge) return 1;
  if (d2 >= 1) return 0;
  return (1 - d2) / edge;
}

function lungValue(a: Anatomy, side: Side, u: number, v: number): number {
  const lung = a.lungs[side];
  const m = a.markings;
  const hilum = Math.exp(-(((u - lung.cu) * 4) ** 2));
  let texture = 0;
  for (let i = 0; i < m.phases.length; i++) {
    texture += Math.sin((m.freqs[i] ?? 30) * (i % 2 === 0 ? u : v) + (m.phases[i] ?? 0) + 3 * u * v);
  }
  let value = 0.12 + m.amplitude * (0.5 + 0.5 * hilum) * Math.abs(texture) * 0.5;
  // Ribs: arcs that slope down laterally, brighter with bone density.
  const lateral = Math.abs(u - 0.5) / 0.3;
  const ribV = (v - a.ribPhase - 0.04 * lateral * lateral) / 0.065;
  const ribDist = Math.abs(ribV - Math.round(ribV));
  if (ribDist < 0.16) value += 0.05 * a.boneDensity;
  const rim = a.pneumothorax[side];
  if (rim > 0) {
    const edgeDist = side === 'right' ? u - (lung.cu - lung.ru) : lung.cu + lung.ru - u;
    const pleura = rim * Math.sqrt(Math.max(0, 1 - ((v - lung.cv) / lung.rv) ** 2));
    if (edgeDist < pleura - 0.006) value = 0.05;
    else if (edgeDist < pleura) value = 0.3;
  }
  // Meniscus: the fluid line climbs towards the chest wall.
  const outward = Math.max(-1, Math.min(1, (side === 'right' ? lung.cu - u : u - lung.cu) / lung.ru));
  const level = lung.cv + lung.rv - a.effusion[side] - 0.035 * (outward + 1);
  if (a.effusion[side] > 0 && v > level) value = a.softTissue + 0.08;
  return value;
}

function blobs(a: Anatomy, u: number, v: number): number {
  let sum = 0;
  for (const b of a.opacities) {
    const d2 = ((u - b.cu) ** 2 + (v - b.cv) ** 2) / (2 * b.sigma * b.sigma);
    if (d2 < 9) sum += b.amplitude * Math.exp(-d2);
  }
  return sum;
}

const AIR = 0.03;

function pixel(a: Anatomy, u: number, v: number): number {
  const body = soft(inside(a.body, u, v), 0.04);
  if (body === 0) return AIR;
  let value = a.softTissue;
  for (const b of a.breasts) value += 0.05 * soft(inside(b, u, v), 0.5);
  let lungWeight = 0;
  for (const side of ['right', 'left'] as const) {
    const w = soft(inside(a.lungs[side], u, v));
    if (w === 0) continue;
    value = w * lungValue(a, side, u, v) + (1 - w) * value;
    lungWeight += w;
  }
  if (lungWeight > 0) value += Math.min(1, lungWeight) * blobs(a, u, v);
  const heart = soft(inside(a.heart, u, v), 0.1);
  value = heart * Math.max(value, 0.52) + (1 - heart) * value;
  if (Math.abs(u - a.body.cu) < a.spineHalfWidth) value += 0.1 * a.boneDensity;
  return AIR + (value - AIR) * body;
}

/** Renders the attenuation image (0 = air, ~1 = dense) at the detector's size, row-major. */
export function renderAttenuation(a: Anatomy, rows: number, columns: number): Float32Array {
  const out = new Float32Array(rows * columns);
  for (let y = 0; y < rows; y++) {
    const v = (y + 0.5) / rows;
    for (let x = 0; x < columns; x++) out[y * columns + x] = pixel(a, (x + 0.5) / columns, v);
  }
  return out;
}
