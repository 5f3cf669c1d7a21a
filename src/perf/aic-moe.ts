// Routed experts and collectives of the AIC model.
// - MoE (operations/moe.py MoE): the slice [quant][distribution][topk][experts][hidden][inter]
//   [moe TP][moe EP] of moe_perf as a curve over num_tokens (first row of a key wins; the
//   requested distribution, else `uniform`); rows of the low-latency kernel
//   (`moe_torch_flow_min_latency`) are a separate table AIC only reads for nvfp4 on TRT-LLM.
// - Collectives: vLLM's custom all-reduce (graph-mode rows, the slice of min(GPUs, GPUs per node)
//   ranks, rescaled by bandwidth beyond a node) and NCCL all-gather / reduce-scatter of the
//   system's NCCL version (the slice of min(GPUs, largest collected) ranks, rescaled likewise).
//   Both are curves over message elements with a speed of light linear in the size.
import { ReplayError } from '../errors.js';
import { p2pBandwidth } from './database.js';
import type { NativeCommTable, NativeMoeOp } from './native-types.js';
import { buildGrid, insertFirst, toNumber, toText, type Nested, type TableRows } from './tables.js';
import type { CommOpDesc, MoeOpDesc } from './aic-ops.js';
import { MOE_QUANT_MODES } from './models.js';
import type { Loader } from './aic-loader.js';

const MOE_COLUMNS = ['moe_dtype', 'num_tokens', 'hidden_size', 'inter_size', 'topk', 'num_experts', 'moe_tp_size', 'moe_ep_size', 'distribution', 'latency'];

export async function readMoeTable(loader: Loader): Promise<TableRows[]> {
  return (await loader.read('moe_perf', MOE_COLUMNS, ['kernel_source'])).rows;
}

/** The native routed-expert op of `op` (breakdown slot `id`). */
export function moeOp(loader: Loader, rows: TableRows[], op: MoeOpDesc, id: number): NativeMoeOp {
  const byDistribution = new Map<string, Nested>();
  const distributions = new Set<string>();
  for (const t of rows) {
    const c = (name: string) => t.columns.get(name)!;
    const [dt, tok, hid, inter, topk, experts, mtp, mep, dist, lat] = MOE_COLUMNS.map(c);
    const ks = t.columns.get('kernel_source');
    for (let i = 0; i < t.rows; i++) {
      if (toText(dt![i]) !== op.quant || toText(ks?.[i]) === 'moe_torch_flow_min_latency') continue;
      const d = toText(dist![i]);
      distributions.add(d);
      if (
        toNumber(hid![i], t.file, 'hidden_size') !== op.hidden ||
        toNumber(inter![i], t.file, 'inter_size') !== op.inter ||
        toNumber(topk![i], t.file, 'topk') !== op.topk ||
        toNumber(experts![i], t.file, 'num_experts') !== op.experts ||
        toNumber(mtp![i], t.file, 'moe_tp_size') !== op.moeTp ||
        toNumber(mep![i], t.file, 'moe_ep_size') !== op.moeEp
      )
        continue;
      let curve = byDistribution.get(d);
      if (!curve) byDistribution.set(d, (curve = new Map()));
      insertFirst(curve, [toNumber(tok![i], t.file, 'num_tokens')], toNumber(lat![i], t.file, 'latency'));
    }
  }
  // AIC picks the distribution by whether the quant has it at all, then needs this shape in it.
  const used = distributions.has(op.distribution) ? op.distribution : 'uniform';
  const curve = byDistribution.get(used);
  if (!curve || curve.size === 0)
    throw new ReplayError(
      `AIC database has no MoE data for ${op.quant}, ${used}, topk ${op.topk}, ${op.experts} experts, hidden ${op.hidden}, ` +
        `expert width ${op.inter}, moe TP ${op.moeTp} × EP ${op.moeEp} (${loader.where()})`,
    );
  const q = MOE_QUANT_MODES[op.quant]!;
  return {
    grid: buildGrid(curve, 1),
    scale: op.scale,
    tokenMultiplier: op.attentionDp,
    hidden: op.hidden,
    inter: op.inter,
    topk: op.topk,
    experts: op.experts,
    moeTp: op.moeTp,
    moeEp: op.moeEp,
    gemms: 3,
    memBytes: q.memory,
    flops: loader.spec.gpu.bf16Flops * q.compute,
    id,
    group: op.group,
  };
}

/** Collective tables, one per (table, collective, GPUs), built on first use. */
export class CommTables {
  readonly tables: NativeCommTable[] = [];
  private readonly index = new Map<string, number>();
  private readonly rows = new Map<string, Promise<TableRows[]>>();

  constructor(private readonly loader: Loader) {}

  private read(table: 'custom' | 'nccl'): Promise<TableRows[]> {
    let p = this.rows.get(table);
    if (!p) {
      p =
        table === 'custom'
          ? this.loader.read('custom_allreduce_perf', ['num_gpus', 'message_size', 'latency'], ['kernel_source', 'backend']).then((r) => {
              this.customIsB60 = r.sources.some((s) => s.file.includes('b60'));
              return r.rows;
            })
          : this.loader.read('nccl_perf', ['nccl_dtype', 'num_gpus', 'message_size', 'op_name', 'latency']).then((r) => r.rows);
      this.rows.set(table, p);
    }
    return p;
  }

  private customIsB60 = false;

  /** Index of the native table serving `op`. */
  async spec(op: CommOpDesc): Promise<number> {
    const key = `${op.table}:${op.collective}:${op.gpus}`;
    const known = this.index.get(key);
    if (known !== undefined) return known;
    const rows = await this.read(op.table);
    const spec = this.loader.spec;
    const gpn = spec.node.gpusPerNode;
    const curve: Nested = new Map();
    const available = new Set<number>();
    let tableGpus: number;
    let solCoef: number;
    if (op.table === 'custom') {
      if (gpn === 72 && op.gpus > 4) throw new ReplayError(`TP ${op.gpus} on ${spec.name} needs NCCL all-reduce tables, which the AIC model here does not read`);
      tableGpus = Math.min(op.gpus, gpn);
      for (const t of rows) {
        const ks = t.columns.get('kernel_source');
        const be = t.columns.get('backend');
        const [gc, sc, lc] = ['num_gpus', 'message_size', 'latency'].map((c) => t.columns.get(c)!);
        for (let i = 0; i < t.rows; i++) {
          // vLLM/SGLang tables hold eager and CUDA-graph rows; AIC keeps the graph-mode ones.
          if (!this.customIsB60 && (toText(ks?.[i]).endsWith('_eager') || toText(be?.[i]).endsWith('_eager'))) continue;
          const g = toNumber(gc![i], t.file, 'num_gpus');
          available.add(g);
          if (g === tableGpus) insertFirst(curve, [toNumber(sc![i], t.file, 'message_size')], toNumber(lc![i], t.file, 'latency'));
        }
      }
      solCoef = ((2 * 2) / tableGpus) * (tableGpus - 1) / p2pBandwidth(spec, tableGpus) * 1000;
    } else {
      const byGpus = new Map<number, Nested>();
      for (const t of rows) {
        const [dc, gc, sc, oc, lc] = ['nccl_dtype', 'num_gpus', 'message_size', 'op_name', 'latency'].map((c) => t.columns.get(c)!);
        for (let i = 0; i < t.rows; i++) {
          if (toText(dc![i]) !== 'half' || toText(oc![i]) !== op.collective) continue;
          const g = toNumber(gc![i], t.file, 'num_gpus');
          let c = byGpus.get(g);
          if (!c) byGpus.set(g, (c = new Map()));
          insertFirst(c, [toNumber(sc![i], t.file, 'message_size')], toNumber(lc![i], t.file, 'latency'));
        }
      }
      for (const g of byGpus.keys()) available.add(g);
      tableGpus = Math.min(op.gpus, Math.max(0, ...byGpus.keys()));
      for (const [k, v] of byGpus.get(tableGpus) ?? []) curve.set(k, v);
      solCoef = (2 * (tableGpus - 1)) / tableGpus / p2pBandwidth(spec, tableGpus) * 1000;
    }
    if (curve.size === 0)
      throw new ReplayError(
        `AIC database has no ${op.table === 'custom' ? 'all-reduce' : `NCCL ${op.collective}`} data for ${tableGpus} GPUs ` +
          `(${op.table === 'custom' ? 'TP' : 'GPUs'} ${op.gpus}; ${this.loader.where()}; available: ${[...available].sort((a, b) => a - b).join(', ') || 'none'})`,
      );
    // More GPUs than the table holds: AIC carries the curve over by the bandwidth ratio.
    const postScale =
      op.gpus > tableGpus
        ? (((op.gpus - 1) / op.gpus) * tableGpus) / (tableGpus - 1) * (p2pBandwidth(spec, tableGpus) / p2pBandwidth(spec, op.gpus))
        : 1;
    const i = this.tables.length;
    this.tables.push({ grid: buildGrid(curve, 1), solMsPerElement: solCoef, postScale });
    this.index.set(key, i);
    return i;
  }
}
