// What reaches the user's terminal: messages with control characters made visible (a hostile
// session id or trace line must not clear the screen or forge output), and standard output that
// ends quietly on a closed pipe and with one line on a full disk, never with a stack trace.

import { describeSystemError } from '../report/output-set.js';

// C0 controls but tab, DEL, and the C1 controls (ESC-less CSI and friends).
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;

/** `s` with every control character shown as `\xNN` (tab kept). */
export function escapeControl(s: string): string {
  return s.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** A message as one terminal-safe line: line breaks folded into spaces, other controls escaped. */
export function safeLine(message: string): string {
  return escapeControl(message.replace(/[ \t]*\r?\n[ \t]*/g, ' ').trim());
}

interface ErrorEmitter {
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * Handles write errors of standard output: a reader that went away (EPIPE) ends the process
 * quietly with the status the run already has; anything else (ENOSPC on `> /dev/full`) prints one
 * line and sets exit status 1.
 */
export function guardStdout(stdout: ErrorEmitter, stderr: { write(chunk: string): unknown }, prog: string): void {
  stdout.on('error', (error: Error & { code?: string }) => {
    if (error.code === 'EPIPE') process.exit();
    stderr.write(`${prog}: error: cannot write standard output: ${describeSystemError(error)}\n`);
    process.exit(1);
  });
}
