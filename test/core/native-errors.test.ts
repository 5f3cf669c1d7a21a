// Native field paths → the user's flag or key (issue 11, item 7).
import { describe, expect, it } from 'vitest';
import { userNameOfNativeField, withUserNames } from '../../src/core/native-errors.js';
import { ReplayError } from '../../src/errors.js';

describe('userNameOfNativeField', () => {
  it('maps worker counts, engine keys, router keys and hand-off keys', () => {
    expect(userNameOfNativeField('config.agg.numWorkers')).toBe('--num-workers');
    expect(userNameOfNativeField('config.decode.numWorkers')).toBe('--num-decode-workers');
    expect(userNameOfNativeField('config.prefill.engine.maxNumBatchedTokens')).toBe('--prefill-engine-args: max_num_batched_tokens');
    expect(userNameOfNativeField('config.agg.engine.sglang.scheduleConservativeness')).toBe('--extra-engine-args: sglang.schedule_conservativeness');
    expect(userNameOfNativeField('config.agg.router.temperature')).toBe('--router-config: router_temperature');
    expect(userNameOfNativeField('config.kvTransferGbps')).toBe('--prefill-engine-args: kv_transfer_bandwidth');
    expect(userNameOfNativeField('config.agg.startupTimeS')).toBe('--extra-engine-args: startup_time');
    expect(userNameOfNativeField('workload.inputLength')).toBeNull();
  });

  it('rewrites a native field error, and leaves other errors alone', () => {
    const nativeError = () => {
      throw new Error('native config: config.agg.engine.dpSize must be a finite number in [1, 1024], got 5000');
    };
    expect(() => withUserNames(nativeError)).toThrow(ReplayError);
    expect(() => withUserNames(nativeError)).toThrow('--extra-engine-args: dp_size (or attention_dp_size) must be a finite number in [1, 1024], got 5000');
    expect(() =>
      withUserNames(() => {
        throw new Error('native config: workload.hashIds has no ids for request 3');
      }),
    ).toThrow('native config: workload.hashIds has no ids for request 3');
  });
});
