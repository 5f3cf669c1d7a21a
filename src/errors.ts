// Two kinds of failure, as the reference CLI distinguishes them: a bad command line (exit 2, usage
// shown) and a run that cannot proceed — bad JSON, a bad trace line, an engine-args error (exit 1).

/** A command-line mistake: printed as `dynosim: error: <message>` after the usage line, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A user-facing failure of the run itself (bad input file, invalid engine args): one line, exit 1. */
export class ReplayError extends Error {
  override readonly name = 'ReplayError';
}
