// Self-contained HTML pages with Plotly charts: the bundle is inlined (the page opens offline and
// makes no request), each figure is a JSON object drawn by one small script. Plotly's basic bundle
// (`plotly.js-basic-dist-min`: scatter, bar, pie) is about a quarter of the full one and has every
// trace type our pages use.

import * as fs from 'node:fs';
import { createRequire } from 'node:module';

let plotlySource: string | null = null;
let plotlyBytes: Buffer | null = null;

const plotlyFile = (): string => createRequire(import.meta.url).resolve('plotly.js-basic-dist-min');

/** The minified plotly.js basic bundle. */
export function plotlyBundle(): string {
  plotlySource ??= fs.readFileSync(plotlyFile(), 'utf8');
  return plotlySource;
}

/**
 * The bundle's bytes (UTF-8; a few non-ASCII characters make the decoded string two bytes a
 * character, so a page written as bytes skips decoding and re-encoding the megabyte).
 */
export function plotlyBundleBytes(): Buffer {
  plotlyBytes ??= fs.readFileSync(plotlyFile());
  return plotlyBytes;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JSON safe to embed inside a <script> element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export interface Figure {
  id: string;
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
}

export interface PlotlyPageOptions {
  title: string;
  /** Extra CSS rules. */
  style?: string;
  /** HTML before the charts (headline, notes). */
  header: string;
  /** The charts' containers (each with the figure's id); defaults to a two-column grid. */
  body?: string;
  /** HTML after the charts (tables). */
  footer?: string;
  figures: readonly Figure[];
  /** Script run after the charts are drawn (e.g. click-through links); `figures` is in scope. */
  afterScript?: string;
}

const BASE_STYLE = `body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 16px; color: #222; background: #fff; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
.panel { border: 1px solid #eee; min-width: 0; }
.note { color: #666; font-size: 12px; }
table.data { border-collapse: collapse; font-size: 12px; margin-top: 16px; }
table.data th, table.data td { border: 1px solid #ddd; padding: 3px 6px; text-align: right; }
table.data th { background: #f5f5f5; }
table.data td.text { text-align: left; }`;

/** The page as one string. */
export function plotlyPage(o: PlotlyPageOptions): string {
  const [before, after] = pageAround(o);
  return before + plotlyBundle() + after;
}

/** The same page as UTF-8 bytes, for writing. */
export function plotlyPageBytes(o: PlotlyPageOptions): Buffer {
  const [before, after] = pageAround(o);
  return Buffer.concat([Buffer.from(before, 'utf8'), plotlyBundleBytes(), Buffer.from(after, 'utf8')]);
}

/** The page's text before and after the inlined plotly.js bundle. */
function pageAround(o: PlotlyPageOptions): [string, string] {
  const body = o.body ?? `<div class="grid">\n${o.figures.map((f) => `<div class="panel"><div id="${escapeHtml(f.id)}" class="plot"></div></div>`).join('\n')}\n</div>`;
  const before = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(o.title)}</title>
<style>
${BASE_STYLE}
${o.style ?? ''}
</style>
<script>`;
  const after = `</script>
</head>
<body>
${o.header}
${body}
${o.footer ?? ''}
<script>
(function () {
  var figures = ${scriptJson(o.figures)};
  figures.forEach(function (f) {
    Plotly.newPlot(f.id, f.data, f.layout, { responsive: true, displaylogo: false });
  });
${o.afterScript ?? ''}
})();
</script>
</body>
</html>
`;
  return [before, after];
}

/** A layout with titled axes in our house style. */
export function panelLayout(title: string, xTitle: string, yTitle: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: { text: title, font: { size: 14 }, x: 0.02, xanchor: 'left' },
    height: 330,
    margin: { t: 40, r: 20, b: 70, l: 70 },
    legend: { orientation: 'h', y: -0.3 },
    xaxis: { title: { text: xTitle }, zeroline: false },
    yaxis: { title: { text: yTitle }, rangemode: 'tozero' },
    plot_bgcolor: 'white',
    paper_bgcolor: 'white',
    ...extra,
  };
}
