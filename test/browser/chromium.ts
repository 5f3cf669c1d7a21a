// Opens a local HTML file in headless Chromium (Debian's package; .ci/run installs it) and
// reports what a person would see: console errors and the rendered Plotly subplots.
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumPresent = existsSync(CHROMIUM);

export interface RenderedPage {
  consoleErrors: string[];
  /** Cartesian subplots Plotly drew (one per panel). */
  subplots: number;
  /** Text of the page body. */
  text: string;
  /** Every Plotly chart as drawn: its title, axis titles, and how many finite y values its traces hold. */
  plots: RenderedPlot[];
  /** Requests that tried to leave the file (all refused). */
  blockedRequests: string[];
}

export interface RenderedPlot {
  id: string;
  title: string;
  xTitle: string;
  yTitle: string;
  traces: number;
  /** Finite numeric (or, on categorical axes, non-empty) y values over all traces. */
  points: number;
}

// The sanitizer job preloads ASan into every process it starts; Chromium is not built for it and
// hangs at launch, so it gets the environment without the preload.
function browserEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'LD_PRELOAD') env[k] = v;
  return env;
}

export async function renderHtml(file: string, screenshot?: string): Promise<RenderedPage> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    env: browserEnv(),
    timeout: 60_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 2200 } });
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    // The report must open offline: refuse every request that leaves the file.
    const blockedRequests: string[] = [];
    await page.route(/^(?!file:)/, (route) => {
      blockedRequests.push(route.request().url());
      return route.abort();
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    await page.waitForSelector('.js-plotly-plot .main-svg', { timeout: 20000 });
    const subplots = await page.locator('.js-plotly-plot g.cartesianlayer > g.subplot').count();
    const text = await page.locator('body').innerText();
    const plots = await page.evaluate(() => {
      type Gd = HTMLElement & { data?: { y?: unknown[] }[]; _fullLayout?: Record<string, { title?: { text?: string } } | undefined> & { title?: { text?: string } } };
      const titleOf = (v: unknown) => ((v as { title?: { text?: string } } | undefined)?.title?.text ?? '').toString();
      return [...document.querySelectorAll<Gd>('.js-plotly-plot')].map((gd) => {
        const layout = gd._fullLayout ?? {};
        const traces = gd.data ?? [];
        let points = 0;
        for (const t of traces)
          for (const y of t.y ?? []) if ((typeof y === 'number' && Number.isFinite(y)) || (typeof y === 'string' && y !== '')) points += 1;
        return { id: gd.id, title: titleOf(layout), xTitle: titleOf(layout.xaxis), yTitle: titleOf(layout.yaxis), traces: traces.length, points };
      });
    });
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
    return { consoleErrors, subplots, text, plots, blockedRequests };
  } finally {
    await browser.close();
  }
}
