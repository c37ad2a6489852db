// A small SVG bar chart (no dependency): one row per workload, one bar per series, on a log scale
// because the workloads span three orders of magnitude (W0 tens of thousands, W2 hundreds).

export interface ChartSeries {
  name: string;
  color: string;
  /** Requests per second by row label; absent = not measured. */
  values: Map<string, number>;
  /** What to write instead of a bar where a row has no value (default "not measured"). */
  missing?: Map<string, string>;
}

export interface ChartSpec {
  title: string;
  subtitle: string;
  rows: { label: string; detail: string }[];
  series: ChartSeries[];
  /** Vertical marks, e.g. the DH one-core limit. */
  marks?: { label: string; value: number; color: string }[];
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function format(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1);
}

export function barChart(spec: ChartSpec): string {
  const width = 960;
  const left = 330;
  const right = 90;
  // Each mark's label has a line of its own above the plot (marks close on the scale would overlap).
  const markCount = spec.marks?.length ?? 0;
  const top = 64 + 12 * Math.max(0, markCount - 1);
  const barHeight = 14;
  const gap = 3;
  const rowHeight = spec.series.length * (barHeight + gap) + 14;
  const plotWidth = width - left - right;
  const height = top + spec.rows.length * rowHeight + 62;
  const all = spec.series.flatMap((s) => [...s.values.values()]).concat((spec.marks ?? []).map((m) => m.value));
  const lo = 10 ** Math.floor(Math.log10(Math.max(1, Math.min(...all))));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(10, ...all)));
  const x = (v: number): number => left + (plotWidth * (Math.log10(Math.max(v, lo)) - Math.log10(lo))) / (Math.log10(hi) - Math.log10(lo));
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="16" y="24" font-size="16" font-weight="bold">${escape(spec.title)}</text>`);
  out.push(`<text x="16" y="44" fill="#555">${escape(spec.subtitle)}</text>`);
  const bottom = top + spec.rows.length * rowHeight;
  for (let decade = lo; decade <= hi; decade *= 10) {
    const gx = x(decade).toFixed(1);
    out.push(`<line x1="${gx}" y1="${top - 6}" x2="${gx}" y2="${bottom}" stroke="#ddd"/>`);
    out.push(`<text x="${gx}" y="${bottom + 16}" text-anchor="middle" fill="#555">${format(decade)}</text>`);
  }
  out.push(`<text x="${left + plotWidth / 2}" y="${bottom + 34}" text-anchor="middle" fill="#555">requests per second (log scale)</text>`);
  spec.rows.forEach((row, r) => {
    const y0 = top + r * rowHeight;
    out.push(`<text x="${left - 10}" y="${y0 + 12}" text-anchor="end" font-weight="bold">${escape(row.label)}</text>`);
    out.push(`<text x="${left - 10}" y="${y0 + 26}" text-anchor="end" fill="#555" font-size="10">${escape(row.detail)}</text>`);
    spec.series.forEach((series, s) => {
      const value = series.values.get(row.label);
      const y = y0 + s * (barHeight + gap);
      if (value === undefined) {
        out.push(`<text x="${left + 4}" y="${y + barHeight - 3}" fill="#999" font-size="10">${escape(series.name.split(' (')[0]!)}: ${escape(series.missing?.get(row.label) ?? 'not measured')}</text>`);
        return;
      }
      const w = Math.max(1, x(value) - left);
      out.push(`<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="${series.color}"><title>${escape(`${series.name} ${row.label}: ${format(value)}/s`)}</title></rect>`);
      out.push(`<text x="${(left + w + 4).toFixed(1)}" y="${y + barHeight - 3}" font-size="11">${format(value)}/s</text>`);
    });
  });
  (spec.marks ?? []).forEach((mark, i) => {
    const mx = x(mark.value).toFixed(1);
    out.push(`<line x1="${mx}" y1="${top - 6}" x2="${mx}" y2="${bottom}" stroke="${mark.color}" stroke-dasharray="4 3"/>`);
    out.push(`<text x="${mx}" y="${top - 10 - 12 * i}" text-anchor="middle" fill="${mark.color}" font-size="10">${escape(mark.label)}</text>`);
  });
  let lx = 16;
  for (const series of spec.series) {
    out.push(`<rect x="${lx}" y="${height - 16}" width="12" height="10" fill="${series.color}"/>`);
    out.push(`<text x="${lx + 16}" y="${height - 7}">${escape(series.name)}</text>`);
    lx += 24 + series.name.length * 7;
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
