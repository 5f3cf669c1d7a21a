// Runs a sweep's runs on P executors: child processes (the default), worker threads, or inline on
// the calling thread. The two kinds cost the same CPU time per run, and processes finished the
// guide's cold-start sweep sooner in 5 of 7 paired timings on this shared 2-core host
// (bench/sweep.js); a process can also be stopped at any moment, where a thread must first leave
// native code. Each executor receives the parsed traces once (one shared copy for threads) and
// then one run at a time.

import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { cloneableWorkload, type Workload } from '../core/workload.js';
import { executeRun, type ExecContext, type RunOutcome, type RunTask } from './execute.js';
import { packageRoot } from './package-root.js';
import { shareWorkload } from './workloads.js';

export type PoolKind = 'threads' | 'processes' | 'inline';

export interface InitMessage {
  type: 'init';
  sweepDir: string;
  runId: string;
  traces: [string, Workload][];
  /** Threads only: the shared interrupt flag. */
  abortFlag?: Int32Array;
}
export type ToWorker = InitMessage | { type: 'run'; task: RunTask };
export type FromWorker = { type: 'done'; outcome: RunOutcome } | { type: 'crash'; message: string };

/** The executor script: beside this module when compiled or bundled, else the compiled one. */
export function workerScript(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const sibling = path.join(here, 'worker.js');
  if (fs.existsSync(sibling)) return sibling;
  return path.join(packageRoot().dir, 'dist', 'sweep', 'worker.js');
}

interface Executor {
  run(task: RunTask): Promise<RunOutcome>;
  stop(): Promise<void>;
}

/** A thread or a process speaking the ToWorker/FromWorker protocol. */
function messageExecutor(
  send: (m: ToWorker) => void,
  onMessage: (handler: (m: FromWorker) => void) => void,
  onExit: (handler: (detail: string) => void) => void,
  stop: () => Promise<void>,
): Executor {
  let pending: { resolve: (o: RunOutcome) => void; reject: (e: Error) => void } | null = null;
  onMessage((m) => {
    const p = pending;
    pending = null;
    if (!p) return;
    if (m.type === 'done') p.resolve(m.outcome);
    else p.reject(new Error(m.message));
  });
  onExit((detail) => {
    const p = pending;
    pending = null;
    p?.reject(new Error(`sweep executor exited (${detail})`));
  });
  return {
    run(task) {
      return new Promise<RunOutcome>((resolve, reject) => {
        pending = { resolve, reject };
        send({ type: 'run', task });
      });
    },
    stop,
  };
}

function threadExecutor(script: string, init: InitMessage): Executor {
  const worker = new Worker(script, { stdout: false, stderr: false });
  worker.postMessage(init);
  return messageExecutor(
    (m) => worker.postMessage(m),
    (h) => worker.on('message', h),
    (h) => {
      worker.on('error', (e) => h(e.message));
      worker.on('exit', (code) => h(`code ${code}`));
    },
    async () => {
      await worker.terminate();
    },
  );
}

function processExecutor(script: string, init: InitMessage): Executor {
  const child: ChildProcess = fork(script, [], { serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  child.send(init);
  return messageExecutor(
    (m) => child.send(m),
    (h) => child.on('message', (m) => h(m as FromWorker)),
    (h) => child.on('exit', (code, signal) => h(signal ? `signal ${signal}` : `code ${code}`)),
    async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    },
  );
}

function inlineExecutor(ctx: ExecContext): Executor {
  return { run: (task) => executeRun(task, ctx), stop: async () => {} };
}

export interface Pool {
  /** Runs every task, at most `size` at once; `onDone` sees each outcome as it lands. */
  runAll(tasks: readonly RunTask[], onStart: (task: RunTask) => void, onDone: (task: RunTask, outcome: RunOutcome | Error) => void): Promise<void>;
  /** Stops dispatching; running tasks stop early and publish nothing (runAll then returns). */
  abort(): Promise<void>;
}

export function createPool(kind: PoolKind, size: number, ctx: ExecContext): Pool {
  const executors: Executor[] = [];
  let aborted = false;
  let traces: [string, Workload][] | null = null;
  // Threads stop themselves between two core calls when this is set (terminating a thread inside
  // native code is not safe); processes are simply killed.
  const abortFlag = new Int32Array(new SharedArrayBuffer(4));
  const inlineCtx: ExecContext = { ...ctx };
  const make = (): Executor => {
    if (kind === 'inline') return inlineExecutor(inlineCtx);
    const script = workerScript();
    // Threads read one copy of each trace in shared memory; processes get a copy each.
    traces ??= [...ctx.traces.entries()].map(([k, w]): [string, Workload] => {
      const plain = cloneableWorkload(w);
      return [k, kind === 'threads' ? shareWorkload(plain) : plain];
    });
    const init: InitMessage = { type: 'init', sweepDir: ctx.sweepDir, runId: ctx.runId, traces, ...(kind === 'threads' ? { abortFlag } : {}) };
    return kind === 'threads' ? threadExecutor(script, init) : processExecutor(script, init);
  };
  return {
    async runAll(tasks, onStart, onDone) {
      let next = 0;
      // Inline runs block the thread they share: one lane.
      const lanes = kind === 'inline' ? 1 : Math.max(1, Math.min(size, tasks.length));
      const lane = async (): Promise<void> => {
        let executor = make();
        executors.push(executor);
        while (!aborted && next < tasks.length) {
          const task = tasks[next++]!;
          onStart(task);
          try {
            onDone(task, await executor.run(task));
          } catch (error) {
            if (aborted) break;
            onDone(task, error instanceof Error ? error : new Error(String(error)));
            // The executor died with the run: the lane carries on with a fresh one.
            await executor.stop().catch(() => {});
            executor = make();
            executors.push(executor);
          }
        }
        await executor.stop();
      };
      await Promise.all(Array.from({ length: lanes }, lane));
    },
    async abort() {
      aborted = true;
      Atomics.store(abortFlag, 0, 1);
      if (kind === 'processes') await Promise.all(executors.map((e) => e.stop().catch(() => {})));
    },
  };
}
