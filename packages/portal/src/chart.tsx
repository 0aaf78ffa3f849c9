// Two small SVG charts, written here rather than pulled in (a chart library would be most of the
// bundle): a horizontal bar chart with 95% intervals (per-finding F1) and a line chart (training
// loss). Each is an <svg role="img"> with a title and a description that says what it shows; the
// numbers themselves are in the table beside each chart, which screen readers read instead.

export interface Bar {
  label: string;
  value: number;
  low?: number;
  high?: number;
}

const W = 640;

export function BarChart({ title, bars, max = 1 }: { title: string; bars: Bar[]; max?: number }) {
  const row = 22;
  const left = 190;
  const width = W - left - 40;
  const height = bars.length * row + 30;
  const x = (v: number) => left + (Math.max(0, Math.min(max, v)) / max) * width;
  const id = title.replace(/\W+/g, '-').toLowerCase();
  return (
    <svg class="chart" role="img" aria-labelledby={`${id}-t ${id}-d`} viewBox={`0 0 ${W} ${height}`} width={W} height={height}>
      <title id={`${id}-t`}>{title}</title>
      <desc id={`${id}-d`}>{bars.map((b) => `${b.label} ${b.value.toFixed(3)}`).join(', ')}</desc>
      {[0, 0.25, 0.5, 0.75, 1].map((t) => (
        <g key={t}>
          <line x1={x(t * max)} x2={x(t * max)} y1={0} y2={height - 20} class="grid-line" />
          <text x={x(t * max)} y={height - 5} text-anchor="middle" class="axis">{(t * max).toFixed(2)}</text>
        </g>
      ))}
      {bars.map((b, i) => {
        const y = i * row + 4;
        return (
          <g key={b.label}>
            <text x={left - 8} y={y + 13} text-anchor="end" class="axis">{b.label}</text>
            <rect x={left} y={y} width={Math.max(1, x(b.value) - left)} height={row - 8} class="bar" />
            {b.low !== undefined && b.high !== undefined ? <line x1={x(b.low)} x2={x(b.high)} y1={y + (row - 8) / 2} y2={y + (row - 8) / 2} class="whisker" /> : null}
          </g>
        );
      })}
    </svg>
  );
}

export interface Point {
  x: number;
  y: number;
}

export function LineChart({ title, points, xLabel, yLabel }: { title: string; points: Point[]; xLabel: string; yLabel: string }) {
  const height = 240;
  const pad = { left: 56, right: 16, top: 12, bottom: 36 };
  if (points.length === 0) return <p class="muted">No {yLabel} yet.</p>;
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs, Math.min(...xs) + 1)];
  const [y0, y1] = [Math.min(0, ...ys), Math.max(...ys, 1e-9)];
  const sx = (v: number) => pad.left + ((v - x0) / (x1 - x0)) * (W - pad.left - pad.right);
  const sy = (v: number) => height - pad.bottom - ((v - y0) / (y1 - y0)) * (height - pad.top - pad.bottom);
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ');
  const last = points[points.length - 1]!;
  const id = title.replace(/\W+/g, '-').toLowerCase();
  return (
    <svg class="chart" role="img" aria-labelledby={`${id}-t ${id}-d`} viewBox={`0 0 ${W} ${height}`} width={W} height={height}>
      <title id={`${id}-t`}>{title}</title>
      <desc id={`${id}-d`}>{`${points.length} points; ${yLabel} ${last.y.toFixed(4)} at ${xLabel} ${last.x}`}</desc>
      <line x1={pad.left} x2={pad.left} y1={pad.top} y2={height - pad.bottom} class="axis-line" />
      <line x1={pad.left} x2={W - pad.right} y1={height - pad.bottom} y2={height - pad.bottom} class="axis-line" />
      {[y0, (y0 + y1) / 2, y1].map((t) => <text key={t} x={pad.left - 6} y={sy(t) + 4} text-anchor="end" class="axis">{t.toPrecision(3)}</text>)}
      {[x0, Math.round((x0 + x1) / 2), x1].map((t) => <text key={t} x={sx(t)} y={height - pad.bottom + 16} text-anchor="middle" class="axis">{t}</text>)}
      <text x={(W + pad.left) / 2} y={height - 4} text-anchor="middle" class="axis">{xLabel}</text>
      <path d={path} class="line" />
    </svg>
  );
}
