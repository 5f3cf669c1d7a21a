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
}

export async function renderHtml(file: string, screenshot?: string): Promise<RenderedPage> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
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
    await page.route(/^(?!file:)/, (route) => route.abort());
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    await page.waitForSelector('.js-plotly-plot .main-svg', { timeout: 20000 });
    const subplots = await page.locator('.js-plotly-plot g.cartesianlayer > g.subplot').count();
    const text = await page.locator('body').innerText();
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
    return { consoleErrors, subplots, text };
  } finally {
    await browser.close();
  }
}
