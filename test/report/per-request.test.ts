import { describe, expect, it } from "vitest";
import { formatPerRequestRecord, perRequestJsonlChunks, perRequestJsonlLines, perRequestLine, perRequestRecords, requestUuid, type PerRequestRecord } from "../../src/report/per-request.js";
import { makeRun, parityRun } from "./fixtures.js";

/** The 4-request run as a disaggregated one: prefill workers and hand-off milestones per request. */
function withHandoff(run: ReturnType<typeof makeRun>, decodeReusedTokens?: Uint32Array): ReturnType<typeof makeRun> {
  const nan = Number.NaN;
  const handoff = {
    prefillWorkerIdx: Int32Array.from([3, -1, 2, 0]),
    sourceHeldMs: Float64Array.from([5.5, nan, 1.5, nan]),
    destinationReservedMs: Float64Array.from([5.5, nan, 1.5, nan]),
    destinationActivatedMs: Float64Array.from([5.75, nan, 1.75, nan]),
    decodeAdmitMs: Float64Array.from([5.75, nan, 1.75, nan]),
    ...(decodeReusedTokens ? { decodeReusedTokens } : {}),
  };
  return { ...run, results: { ...run.results, requests: { ...run.results.requests, handoff } } };
}

describe("per-request JSONL", () => {
  it("parity scenario: compact, sorted, Python float repr, ints as ints", () => {
    const lines = [...perRequestJsonlLines(parityRun())];
    // The lines aisimulate replay reporting.py write_per_request_jsonl prints for these records
    // (json.dumps(record, sort_keys=True, separators=(",", ":"))), written out by hand from
    // report.rs PerRequestRecord / PerRequestRoutingRecord / PerRequestAdmissionRecord.
    expect(lines).toEqual([
      '{"admission_count":1,"admission_history":[{"admission_ordinal":0,"at_ms":0.0,"is_readmission":false,' +
        '"pool":"agg","pool_admission_ordinal":0,"reused_input_tokens":0}],"arrival_time_ms":0.0,' +
        '"decode_admit_ms":null,"decode_reused_input_tokens":null,"decode_route_overlap_tokens":null,"decode_worker_idx":0,' +
        '"destination_activated_ms":null,"destination_reserved_ms":null,"e2e_latency_ms":0.016654,"first_admit_ms":0.0,' +
        '"first_token_ms":0.016631999999999997,"input_length":8,"itl_ms":1.1000000000000593e-05,' +
        '"last_token_ms":0.016654,"output_length":3,"prefill_admit_ms":null,"prefill_route_overlap_tokens":null,' +
        '"prefill_worker_idx":null,"pressure_record_ordinals":[],"readmission_count":0,"requested_output_length":3,' +
        '"reused_input_tokens":0,"routing_history":[{"dp_rank":0,"logical_worker_id":0,"outcome":"immediate","pool":"agg",' +
        '"queue_entered_at_ms":null,"queue_wait_ms":0.0,"released_at_ms":null,"reported_overlap_tokens":0,"scheduler_id":0}],' +
        '"session_id":"a","source_held_ms":null,"source_released_ms":null,' +
        '"terminal_status":"completed","terminal_time_ms":0.016654,"ttft_ms":0.016631999999999997,' +
        '"ttst_ms":1.1000000000000593e-05,"turn_index":0,"uuid":"00000000-0000-0000-0000-000000000001"}\n',
      '{"admission_count":1,"admission_history":[{"admission_ordinal":0,"at_ms":0.5,"is_readmission":false,' +
        '"pool":"agg","pool_admission_ordinal":0,"reused_input_tokens":4}],"arrival_time_ms":0.5,' +
        '"decode_admit_ms":null,"decode_reused_input_tokens":null,"decode_route_overlap_tokens":null,"decode_worker_idx":0,' +
        '"destination_activated_ms":null,"destination_reserved_ms":null,"e2e_latency_ms":0.016581999999999986,"first_admit_ms":0.5,' +
        '"first_token_ms":0.516571,"input_length":8,"itl_ms":1.0999999999983245e-05,"last_token_ms":0.516582,' +
        '"output_length":2,"prefill_admit_ms":null,"prefill_route_overlap_tokens":null,' +
        '"prefill_worker_idx":null,"pressure_record_ordinals":[],"readmission_count":0,"requested_output_length":2,' +
        '"reused_input_tokens":4,"routing_history":[{"dp_rank":0,"logical_worker_id":0,"outcome":"immediate","pool":"agg",' +
        '"queue_entered_at_ms":null,"queue_wait_ms":0.0,"released_at_ms":null,"reported_overlap_tokens":4,"scheduler_id":0}],' +
        '"session_id":"b","source_held_ms":null,"source_released_ms":null,' +
        '"terminal_status":"completed","terminal_time_ms":0.516582,"ttft_ms":0.016571000000000002,' +
        '"ttst_ms":1.0999999999983245e-05,"turn_index":0,"uuid":"00000000-0000-0000-0000-000000000002"}\n',
    ]);
  });

  it("only terminated requests, ordered by arrival then index; sessions and turns; nulls where unknown", () => {
    const run = makeRun(
      [
        { arrival: 5, admit: 5, first: 6, last: 6, out: 1, worker: 1, status: 1, isl: 4, osl: 1 }, // s0 turn 0
        { arrival: 1, status: 2, out: 0, isl: 4, osl: 3 }, // s0 turn 1, rejected
        { arrival: 1, admit: 1, first: 2, second: 3, last: 4, out: 3, worker: 0, status: 1, isl: 8, osl: 3 }, // s1
        { arrival: 0, admit: 0, first: 1, out: 1, status: 0, isl: 8, osl: 5 }, // s1 turn 1, incomplete
      ],
      { sessions: [0, 2, 4], sessionIds: ["s0", "s1"] },
    );
    const recs = [...perRequestRecords(withHandoff(run))];
    expect(recs.map((r) => r.uuid)).toEqual([requestUuid(1), requestUuid(2), requestUuid(0)]);
    expect(recs.map((r) => [r.session_id, r.turn_index])).toEqual([
      ["s0", 1],
      ["s1", 0],
      ["s0", 0],
    ]);
    const rejected = recs[0];
    expect(rejected).toMatchObject({
      terminal_status: "rejected",
      first_admit_ms: null,
      first_token_ms: null,
      ttft_ms: null,
      ttst_ms: null,
      e2e_latency_ms: null,
      itl_ms: null,
      output_length: 0,
      requested_output_length: 3,
      prefill_worker_idx: null,
      decode_worker_idx: null,
    });
    expect(recs[1]).toMatchObject({ ttft_ms: 1, ttst_ms: 1, e2e_latency_ms: 3, itl_ms: 1, prefill_worker_idx: 2, decode_worker_idx: 0 });
    expect(recs[1]).toMatchObject({
      prefill_admit_ms: 1,
      source_held_ms: 1.5,
      destination_reserved_ms: 1.5,
      destination_activated_ms: 1.75,
      decode_admit_ms: 1.75,
      source_released_ms: 1.75,
    });
    expect(recs[2]).toMatchObject({ itl_ms: null, ttst_ms: null, ttft_ms: 1, prefill_worker_idx: 3, decode_worker_idx: 1 });
    expect(requestUuid(0)).toBe("00000000-0000-0000-0000-000000000001");
    expect(requestUuid(0xabcdef)).toBe("00000000-0000-0000-0000-000000abcdf0");
  });

  it("has exactly the reference record's keys, sorted, at every level", () => {
    // aisimulate/crates/replay/src/report.rs: PerRequestRecord's fields in declaration order
    // (request_id and metadata are skip_serializing_if none/null: no trace here authors them).
    const recordFields = [
      "session_id", "turn_index", "uuid", "arrival_time_ms", "first_admit_ms", "terminal_time_ms", "first_token_ms",
      "last_token_ms", "ttft_ms", "ttst_ms", "e2e_latency_ms", "itl_ms", "input_length", "requested_output_length",
      "output_length", "reused_input_tokens", "prefill_worker_idx", "decode_worker_idx", "prefill_admit_ms",
      "source_held_ms", "destination_reserved_ms", "destination_activated_ms", "decode_admit_ms", "source_released_ms",
      "decode_reused_input_tokens", "prefill_route_overlap_tokens", "decode_route_overlap_tokens", "routing_history",
      "admission_history", "admission_count", "readmission_count", "pressure_record_ordinals", "terminal_status",
    ];
    const routingFields = [
      "pool", "outcome", "queue_entered_at_ms", "released_at_ms", "queue_wait_ms", "logical_worker_id", "scheduler_id",
      "dp_rank", "reported_overlap_tokens",
    ];
    const admissionFields = ["admission_ordinal", "pool_admission_ordinal", "pool", "at_ms", "reused_input_tokens", "is_readmission"];
    const sorted = (keys: string[]) => [...keys].sort();
    for (const line of perRequestJsonlLines(parityRun())) {
      const rec = JSON.parse(line);
      expect(Object.keys(rec)).toEqual(sorted(recordFields));
      expect(Object.keys(rec.routing_history[0])).toEqual(sorted(routingFields));
      expect(Object.keys(rec.admission_history[0])).toEqual(sorted(admissionFields));
    }
  });

  it("the writer's field-by-field line equals the generic sorted-key serializer's, record by record", () => {
    const run = makeRun(
      [
        { arrival: 5, admit: 5, first: 6, last: 6, out: 1, worker: 1, status: 1, isl: 4, osl: 1 },
        { arrival: 1, status: 2, out: 0, isl: 4, osl: 3 },
        { arrival: 1.25, admit: 1, first: 2.000001, second: 3, last: 4.5, out: 3, worker: 0, status: 1, isl: 8, osl: 3 },
        { arrival: 1e-5, admit: 0, first: 1e17, out: 1, status: 1, isl: 8, osl: 5 },
      ],
      { sessions: [0, 2, 4], sessionIds: ['s"0\\é', "s1\u{1F600}"] },
    );
    const disagg = withHandoff(run, Uint32Array.from([1, 0, 2, 0]));
    const records: PerRequestRecord[] = [...perRequestRecords(parityRun()), ...perRequestRecords(run), ...perRequestRecords(disagg)];
    const first = records[0]!;
    records.push(
      { ...first, request_id: "req-7", session_id: null, turn_index: null },
      { ...first, routing_history: [], admission_history: [], pressure_record_ordinals: [4, 9] },
      {
        ...first,
        routing_history: [...first.routing_history, { ...first.routing_history[0]!, outcome: "queued", queue_entered_at_ms: 2, released_at_ms: null, queue_wait_ms: null }],
        admission_history: [...first.admission_history, { ...first.admission_history[0]!, is_readmission: true, at_ms: 3.5e-7 }],
      },
    );
    expect(records.length).toBeGreaterThan(8);
    for (const record of records) expect(perRequestLine(record)).toBe(formatPerRequestRecord(record));
  });

  it("the byte chunks hold exactly the lines, whatever the chunk size (a line never split across a refill)", () => {
    const run = withHandoff(
      makeRun(
        [
          { arrival: 5, admit: 5, first: 6, last: 6, out: 1, worker: 1, status: 1, isl: 4, osl: 1 },
          { arrival: 1, status: 2, out: 0, isl: 4, osl: 3 },
          { arrival: 1, admit: 1, first: 2, second: 3, last: 4, out: 3, worker: 0, status: 1, isl: 8, osl: 3 },
          { arrival: 0, admit: 0, first: 1, out: 1, status: 1, isl: 8, osl: 5 },
        ],
        { sessions: [0, 2, 4], sessionIds: ['a"\\b\u00e9', "c"] },
      ),
    );
    const text = [...perRequestJsonlLines(run)].join("");
    for (const size of [1, 100, 1500, 4000, 1 << 20]) {
      const chunks = [...perRequestJsonlChunks(run, size)];
      expect(Buffer.concat(chunks).toString("latin1")).toBe(text);
      if (size === 1 << 20) expect(chunks.length).toBe(1);
    }
  });

  it("is lazy (a generator)", () => {
    const gen = perRequestJsonlLines(parityRun());
    expect(typeof gen.next).toBe("function");
    expect(gen.next().done).toBe(false);
  });
});
