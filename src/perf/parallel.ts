// Parallelism of one engine for the AIC model: attention TP and data parallelism, and for
// mixture-of-experts models the expert TP/EP split, resolved and checked with AIC's rules
// (aiconfigurator v0.11.0 `sdk/config.py` ModelConfig.resolve_moe_parallelism, the MoE model
// classes' width and expert-count asserts, `operations/moe.py` MoEDispatch's vLLM assert, and
// MOEModel._validate_fp8_block_quantized_moe_config). Messages name the user's keys.
import type { EngineArgs } from '../config/engine-args.js';
import { ReplayError } from '../errors.js';
import type { ModelFacts, QuantModes } from './models.js';

export interface Parallelism {
  /** Attention tensor parallelism (aic_tp_size). */
  tp: number;
  /** Attention data-parallel ranks (aic_attention_dp_size). */
  attentionDp: number;
  /** Expert TP and EP (1 and 1 for dense models). */
  moeTp: number;
  moeEp: number;
}

const positive = (key: string, v: number): void => {
  if (!Number.isInteger(v) || v < 1) throw new ReplayError(`${key} must be a positive integer, got ${v}`);
};

/**
 * The engine's parallelism. Dense models ignore the MoE keys. A MoE model needs at least one of
 * aic_moe_tp_size / aic_moe_ep_size (AIC infers the other from
 * aic_tp_size × aic_attention_dp_size = aic_moe_tp_size × aic_moe_ep_size and refuses when
 * neither is set); vLLM cannot split experts both ways at once.
 */
export function resolveParallelism(
  args: Pick<EngineArgs, 'aic_tp_size' | 'aic_attention_dp_size' | 'aic_moe_tp_size' | 'aic_moe_ep_size'>,
  model: ModelFacts,
  quant: QuantModes,
  backend: string,
): Parallelism {
  const tp = args.aic_tp_size ?? 1;
  const attentionDp = args.aic_attention_dp_size ?? 1;
  positive('aic_tp_size', tp);
  positive('aic_attention_dp_size', attentionDp);
  if (model.heads % tp !== 0)
    throw new ReplayError(`aic_tp_size ${tp} does not divide the ${model.heads} attention heads of '${model.id}'`);
  if (model.moe === null) return { tp, attentionDp, moeTp: 1, moeEp: 1 };

  const width = tp * attentionDp;
  const widthText = `aic_tp_size ${tp} × aic_attention_dp_size ${attentionDp} = ${width}`;
  let moeTp = args.aic_moe_tp_size;
  let moeEp = args.aic_moe_ep_size;
  if (moeTp === null && moeEp === null)
    throw new ReplayError(
      `model '${model.id}' is a mixture-of-experts model: set aic_moe_tp_size or aic_moe_ep_size ` +
        `(or --aic-moe-tp-size / --aic-moe-ep-size); AIC needs aic_tp_size × aic_attention_dp_size = aic_moe_tp_size × aic_moe_ep_size`,
    );
  if (moeTp === null) {
    positive('aic_moe_ep_size', moeEp!);
    if (width % moeEp! !== 0) throw new ReplayError(`cannot infer aic_moe_tp_size: ${widthText} is not divisible by aic_moe_ep_size ${moeEp}`);
    moeTp = width / moeEp!;
  } else if (moeEp === null) {
    positive('aic_moe_tp_size', moeTp);
    if (width % moeTp !== 0) throw new ReplayError(`cannot infer aic_moe_ep_size: ${widthText} is not divisible by aic_moe_tp_size ${moeTp}`);
    moeEp = width / moeTp;
  }
  positive('aic_moe_tp_size', moeTp);
  positive('aic_moe_ep_size', moeEp!);
  if (moeTp * moeEp! !== width)
    throw new ReplayError(
      `parallelism width mismatch: ${widthText}, but aic_moe_tp_size ${moeTp} × aic_moe_ep_size ${moeEp} = ${moeTp * moeEp!}; they must be equal`,
    );
  if (backend === 'vllm' && moeTp !== 1 && moeEp !== 1)
    throw new ReplayError(`vllm does not split experts by TP and EP at once: set aic_moe_tp_size or aic_moe_ep_size to 1 (got ${moeTp} and ${moeEp})`);
  if (model.moe.experts < moeEp!)
    throw new ReplayError(`aic_moe_ep_size ${moeEp} exceeds the ${model.moe.experts} routed experts of '${model.id}'`);
  if (quant.moe === 'fp8_block' && Math.floor(model.moe.inter / moeTp) % model.moe.weightBlock !== 0)
    throw new ReplayError(
      `aic_moe_tp_size ${moeTp} splits the ${model.moe.inter}-wide experts of '${model.id}' off its ${model.moe.weightBlock}-element fp8 weight blocks`,
    );
  return { tp, attentionDp, moeTp, moeEp: moeEp! };
}
