// Parse options for schemas a run parses once or twice: zod's interpreted path (the same values
// and issues) instead of the parser zod compiles per object schema with `new Function` on first
// use, which costs more than it saves here (~9 ms of a replay's configure phase).
export const PARSE_ONCE = { jitless: true } as const;
