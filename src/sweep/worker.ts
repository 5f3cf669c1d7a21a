// A sweep executor's entry point, run as a worker thread or a child process: it receives the
// parsed traces once, then runs one point at a time and answers with its outcome.
import { parentPort } from 'node:worker_threads';
import type { Workload } from '../core/workload.js';
import { executeRun, type ExecContext } from './execute.js';
import type { FromWorker, ToWorker } from './pool.js';

let ctx: ExecContext | null = null;
const reply: (m: FromWorker) => void = parentPort ? (m) => parentPort!.postMessage(m) : (m) => process.send!(m);

async function handle(m: ToWorker): Promise<void> {
  if (m.type === 'init') {
    const flag = m.abortFlag;
    // A thread stops when the sweep sets the shared flag; a process when its sweep is gone.
    const stopRequested = flag ? () => Atomics.load(flag, 0) !== 0 : () => !process.connected;
    ctx = { sweepDir: m.sweepDir, runId: m.runId, traces: new Map<string, Workload>(m.traces), stopRequested };
    return;
  }
  try {
    if (!ctx) throw new Error('sweep executor used before init');
    reply({ type: 'done', outcome: await executeRun(m.task, ctx) });
  } catch (error) {
    reply({ type: 'crash', message: error instanceof Error ? error.message : String(error) });
  }
}

if (parentPort) parentPort.on('message', (m: ToWorker) => void handle(m));
else if (process.send) {
  process.on('message', (m) => void handle(m as ToWorker));
  // The sweep ends a process executor by closing the channel or with SIGTERM. Ctrl-C reaches the
  // whole process group: the sweep decides, so an interrupted run is not recorded as failed.
  process.on('disconnect', () => process.exit(0));
  process.on('SIGINT', () => {});
}
