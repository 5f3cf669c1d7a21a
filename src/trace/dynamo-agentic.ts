// Agent sessions in Dynamo request traces: `request_end` rows that all carry `agent_context`
// replay as a request graph, lowered as lib/data-gen/src/request_trace/agentic.rs
// (lower_agentic_mooncake_rows, the generation with typed causal dependencies) lowers them and
// compiled as an agentic Mooncake v2 trace (aisimulate loadgen/trace.rs,
// AgenticTrace::from_agentic_mooncake_rows), so the dependency-graph core releases it exactly as it
// releases `--trace-format agentic_mooncake`.
//
// - A session is the requests with one agent_context.session_id, in (start, end, request_id)
//   order; each waits for the previous one's completion plus the recorded gap (its start minus the
//   previous end, at least 0): tool time and think time both live in that gap.
// - A session with a parent_session_id is a sub-agent of that session. Its first request is spawned
//   by a parent request: the tool call's source_request_id when a terminal tool event's
//   `tool.claude.child_session_id` names the session, else the latest parent request started at or
//   before the child's first start. It fires on that request's dispatch (plus the start-to-start gap)
//   when the child started while the request ran, else on its completion (plus the gap). The
//   child's last-finishing request is joined by the tool's consumer_request_id when the tool was
//   `blocking` (a `background` one joins nothing), else by the first parent request started at or
//   after the child's end.
// - A play is one root session with all its sub-agents; its play_id is the root session's id.
// - Prompts are the trace's sequence hashes, one per full block; a partial last block is private to
//   its request (private_request_hash). Starts are relative to the earliest request.
//
// The reference's replay binding (run_trace_replay) refuses a planner and --replay-concurrency on
// such traces; both are refused here with its messages.

import type { Workload } from '../core/workload.js';
import { ReplayError } from '../errors.js';
import { assembleAgenticGraph, byteOrder, checkAgenticRow, checkFitsU32, type AgenticNode } from './agentic-graph.js';
import type { RequestRow, ToolRow } from './dynamo.js';

export interface AgenticDynamoOptions {
  blockSize: number;
  speedup: number;
  /** Closed-loop cap asked for (refused when > 0). */
  concurrency: number;
  lanes: number;
  planner: boolean;
}

type Relation = 'sequence' | 'spawn' | 'join';
interface Edge {
  source: number;
  onDispatch: boolean;
  delayMs: number;
  relation: Relation;
}

const RELATION_RANK: Record<Relation, number> = { sequence: 0, spawn: 1, join: 2 };

/** One request row of an agent session (every row carries agent_context). */
type AgentRow = RequestRow & { context: NonNullable<RequestRow['context']> };

export function loadAgenticDynamoTrace(allRows: RequestRow[], tools: ToolRow[], o: AgenticDynamoOptions): Workload {
  const rows = sortedRows(allRows as AgentRow[]);
  const index = new Map<string, number>();
  rows.forEach((r, i) => index.set(r.requestId, i));
  const { sessions, parentOf } = sessionsOf(rows);
  const { toolOfChild, background } = childTools(rows, tools, index, sessions);
  const deps = dependencies(rows, sessions, parentOf, toolOfChild, background, index);
  checkAcyclic(rows, deps);
  const playOf = playsOf(rows, sessions, parentOf);

  const unnamed = rows.find((r) => r.model === null);
  if (unnamed) throw new ReplayError(`${unnamed.where}: request ${unnamed.requestId} is missing model`);
  const globalStart = rows[0]!.startMs;
  const nodes: AgenticNode[] = rows.map((r, i) => {
    const full = Math.floor(r.inputLength / o.blockSize);
    const hashKeys: string[] = r.inputHashes.slice(0, full);
    if (r.inputLength % o.blockSize !== 0) hashKeys.push(`private\u0000${r.requestId}\u0000${full}\u0000${r.inputLength}`);
    const node: AgenticNode = {
      line: r.line,
      where: r.where,
      requestId: r.requestId,
      playId: playOf.get(r.context.sessionId)!,
      sessionId: r.context.sessionId,
      inputLength: r.inputLength,
      outputLength: r.outputLength,
      hashKeys,
      notBeforeMs: r.startMs - globalStart,
      deps: deps[i]!.map((e) => ({ requestId: rows[e.source]!.requestId, delayMs: e.delayMs, onDispatch: e.onDispatch, relation: e.relation })),
    };
    const fail = (m: string) => new ReplayError(`${r.where}: ${m}`);
    checkAgenticRow({ ...node, model: r.model!, outputTokenIdCount: undefined }, o.blockSize, `trace line ${r.line}`, fail);
    checkFitsU32(node, o.blockSize, `trace line ${r.line}`, fail);
    return node;
  });
  const workload = assembleAgenticGraph(nodes, { path: '', version: 2, blockSize: o.blockSize, speedup: o.speedup, lanes: o.lanes });
  if (o.planner) throw new ReplayError('--planner-config: scaling_policy replay does not support agentic Dynamo request traces');
  if (o.concurrency > 0) throw new ReplayError('agentic Dynamo request traces are not supported with --replay-concurrency');
  return workload;
}

/** Rows by (start, end, request_id), request ids in byte order as Rust compares Strings. */
function sortedRows(rows: AgentRow[]): AgentRow[] {
  return [...rows].sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs || byteOrder(a.requestId, b.requestId));
}

/** Each session's requests in row order, and each sub-agent session's parent (one per session). */
function sessionsOf(rows: AgentRow[]): { sessions: Map<string, number[]>; parentOf: Map<string, string> } {
  const sessions = new Map<string, number[]>();
  const parentOf = new Map<string, string>();
  rows.forEach((r, i) => {
    const { sessionId: session, parentSessionId: parent } = r.context;
    let members = sessions.get(session);
    if (members === undefined) sessions.set(session, (members = []));
    members.push(i);
    if (parent === null) return;
    const known = parentOf.get(session);
    if (known === undefined) parentOf.set(session, parent);
    else if (known !== parent) {
      throw new ReplayError(`${r.where}: session ${session} has conflicting parent_session_id values: ${known} and ${parent}`);
    }
  });
  return { sessions, parentOf };
}

/** The tool event that launched each sub-agent session the trace holds, checked as the reference checks it. */
function childTools(
  rows: AgentRow[],
  tools: ToolRow[],
  index: Map<string, number>,
  sessions: Map<string, number[]>,
): { toolOfChild: Map<string, ToolRow>; background: Set<string> } {
  const toolOfChild = new Map<string, ToolRow>();
  const background = new Set<string>();
  for (const tool of tools) {
    const c = tool.claude;
    if (c === null) continue;
    const fail = (m: string) => new ReplayError(`${tool.where}: tool ${tool.toolCallId} ${m}`);
    if (c.executionMode !== 'blocking' && c.executionMode !== 'background') throw fail(`has unsupported execution_mode ${c.executionMode}`);
    for (const id of [c.sourceRequestId, c.consumerRequestId]) {
      if (id === null) continue;
      const at = index.get(id);
      if (at === undefined) throw fail(`references unknown request_id ${id}`);
      if (rows[at]!.context.sessionId !== tool.sessionId) throw fail(`request ${id} belongs to a different session`);
    }
    const child = c.childSessionId;
    if (child === null || !sessions.has(child)) continue; // a child the export lacks: an ordinary tool
    if (toolOfChild.has(child)) throw new ReplayError(`${tool.where}: multiple tool events reference child session ${child}`);
    toolOfChild.set(child, tool);
    if (c.executionMode === 'background') background.add(child);
  }
  return { toolOfChild, background };
}

/** Every request's dependencies: session order, then sub-agent spawns and joins; sorted as the reference sorts them. */
function dependencies(
  rows: AgentRow[],
  sessions: Map<string, number[]>,
  parentOf: Map<string, string>,
  toolOfChild: Map<string, ToolRow>,
  background: Set<string>,
  index: Map<string, number>,
): Edge[][] {
  const deps: Edge[][] = rows.map(() => []);
  const gap = (later: number, earlierMs: number) => Math.max(rows[later]!.startMs - earlierMs, 0);
  const add = (target: number, edge: Edge) => {
    const list = deps[target]!;
    if (!list.some((e) => e.source === edge.source && e.onDispatch === edge.onDispatch && e.relation === edge.relation)) list.push(edge);
  };
  for (const members of sessions.values()) {
    for (let k = 1; k < members.length; k++) {
      const previous = members[k - 1]!;
      add(members[k]!, { source: previous, onDispatch: false, delayMs: gap(members[k]!, rows[previous]!.endMs), relation: 'sequence' });
    }
  }
  for (const [session, parent] of parentOf) {
    const child = sessions.get(session)!;
    const parentMembers = sessions.get(parent);
    if (parentMembers === undefined) continue; // refused when plays are resolved
    const first = child[0]!;
    const last = lastFinishing(rows, child);
    // Spawned on the source's dispatch when the child started while it still ran.
    const spawn = (source: number) => {
      const onDispatch = rows[first]!.startMs < rows[source]!.endMs;
      const from = onDispatch ? rows[source]!.startMs : rows[source]!.endMs;
      add(first, { source, onDispatch, delayMs: gap(first, from), relation: 'spawn' });
    };
    const join = (target: number) => add(target, { source: last, onDispatch: false, delayMs: gap(target, rows[last]!.endMs), relation: 'join' });
    const tool = toolOfChild.get(session);
    if (tool !== undefined) {
      const c = tool.claude!;
      const inParent = (id: string, role: string): number => {
        const at = index.get(id)!;
        if (rows[at]!.context.sessionId !== parent) {
          throw new ReplayError(`${tool.where}: tool ${tool.toolCallId} ${role} request ${id} is not in parent session ${parent}`);
        }
        return at;
      };
      spawn(inParent(c.sourceRequestId, 'source'));
      if (c.executionMode === 'blocking' && c.consumerRequestId !== null) join(inParent(c.consumerRequestId, 'consumer'));
      continue;
    }
    // Without tool evidence, timestamps decide: members are in start order, so the latest start
    // at or before the child's first start is the last such member, the first at or after the
    // child's end the first such one.
    const childStart = rows[first]!.startMs;
    const childEnd = rows[last]!.endMs;
    let source = -1;
    for (const m of parentMembers) if (rows[m]!.startMs <= childStart) source = m;
    if (source >= 0) spawn(source);
    if (!background.has(session)) {
      const joiner = parentMembers.find((m) => rows[m]!.startMs >= childEnd);
      if (joiner !== undefined) join(joiner);
    }
  }
  const rank = (e: Edge) => (e.onDispatch ? 0 : 1);
  for (const list of deps) {
    list.sort(
      (a, b) =>
        byteOrder(rows[a.source]!.requestId, rows[b.source]!.requestId) ||
        rank(a) - rank(b) ||
        RELATION_RANK[a.relation] - RELATION_RANK[b.relation] ||
        a.delayMs - b.delayMs,
    );
  }
  return deps;
}

/** The member that finished last, by (end, start, request_id). */
function lastFinishing(rows: AgentRow[], members: number[]): number {
  let best = members[0]!;
  for (const m of members) {
    const a = rows[m]!;
    const b = rows[best]!;
    if (a.endMs > b.endMs || (a.endMs === b.endMs && (a.startMs > b.startMs || (a.startMs === b.startMs && byteOrder(a.requestId, b.requestId) > 0)))) best = m;
  }
  return best;
}

/** validate_dependency_dag: every request reachable from the roots. */
function checkAcyclic(rows: AgentRow[], deps: Edge[][]): void {
  const indegree = deps.map((d) => d.length);
  const dependents: number[][] = rows.map(() => []);
  deps.forEach((list, target) => list.forEach((e) => dependents[e.source]!.push(target)));
  const ready: number[] = [];
  indegree.forEach((d, i) => d === 0 && ready.push(i));
  for (let k = 0; k < ready.length; k++) for (const t of dependents[ready[k]!]!) if (--indegree[t]! === 0) ready.push(t);
  if (ready.length !== rows.length) throw new ReplayError('agentic request dependencies contain a cycle');
}

/** resolve_play_ids: each session's play is its root ancestor session. */
function playsOf(rows: AgentRow[], sessions: Map<string, number[]>, parentOf: Map<string, string>): Map<string, string> {
  const plays = new Map<string, string>();
  for (const [session, members] of sessions) {
    const where = rows[members[0]!]!.where;
    const seen = new Set<string>();
    let cursor = session;
    for (let parent = parentOf.get(cursor); parent !== undefined; parent = parentOf.get(cursor)) {
      if (seen.has(cursor)) throw new ReplayError(`${where}: agent session parent cycle includes ${cursor}`);
      seen.add(cursor);
      if (!sessions.has(parent)) throw new ReplayError(`${where}: agent session ${cursor} references unknown parent session ${parent}`);
      cursor = parent;
    }
    plays.set(session, cursor);
  }
  return plays;
}
