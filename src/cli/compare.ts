// `dynosim compare REPORT.json... [--html FILE] [--labels a,b,...]`: runs side by side on stdout
// (changes against the first), and as a self-contained HTML page.

import { Command, CommanderError } from 'commander';
import { buildComparisonHtml } from '../compare/compare-html.js';
import { compareRuns, comparisonText, loadRun } from '../compare/compare.js';
import { UsageError } from '../errors.js';
import { safeLine } from './terminal.js';
import { writeFileAtomicSync } from '../report/write-file.js';
import type { ErrorSink, TextSink } from './main.js';

const PROG = 'dynosim compare';

export async function compareMain(argv: string[], deps: { stdout: TextSink; stderr: ErrorSink }): Promise<number> {
  try {
    const cmd = new Command(PROG)
      .exitOverride()
      .configureOutput({ writeOut: (s) => deps.stdout.write(s), writeErr: () => {} })
      .description('Compare runs side by side from their report JSON files (the first is the baseline).')
      .argument('<reports...>', 'report JSON files (--report-json outputs, or a sweep\'s points/*/report.json)')
      .option('--html <file>', 'also write the comparison as a self-contained HTML page')
      .option('--labels <list>', 'comma-separated names for the runs (default: file names)');
    cmd.parse(argv, { from: 'user' });
    const o = cmd.opts<{ html?: string; labels?: string }>();
    const labels = o.labels?.split(',').map((s) => s.trim());
    if (labels && labels.length !== cmd.args.length) throw new UsageError(`argument --labels: ${labels.length} labels for ${cmd.args.length} reports`);
    const runs = cmd.args.map((file, i) => loadRun(file, labels?.[i]));
    const rows = compareRuns(runs);
    deps.stdout.write(comparisonText(runs, rows));
    if (o.html !== undefined) {
      writeFileAtomicSync(o.html, buildComparisonHtml(runs, rows));
      deps.stdout.write(`HTML: ${o.html}\n`);
    }
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed') return 0;
      deps.stderr.write(`${PROG}: ${safeLine(error.message)}\n`);
      return 2;
    }
    deps.stderr.write(`${PROG}: error: ${safeLine(error instanceof Error ? error.message : String(error))}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}
