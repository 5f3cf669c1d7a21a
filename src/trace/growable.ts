// Append-only typed arrays that double their backing store as they fill. The trace loader collects
// millions of numbers per field; keeping them in typed arrays (rather than JS arrays of boxed
// numbers) keeps memory proportional to the data and lets the result go to the native core as is.

type TypedArrayCtor<T> = { new (length: number): T };

abstract class Growable<T extends Uint32Array | Float64Array> {
  protected buf: T;
  protected len = 0;

  protected constructor(
    private readonly ctor: TypedArrayCtor<T>,
    initialCapacity: number,
  ) {
    this.buf = new ctor(Math.max(16, Math.ceil(initialCapacity)));
  }

  get length(): number {
    return this.len;
  }

  /** Make room for at least `extra` more values without a further reallocation. */
  reserve(extra: number): void {
    const need = this.len + extra;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new this.ctor(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  push(value: number): void {
    if (this.len === this.buf.length) this.reserve(1);
    this.buf[this.len++] = value;
  }

  get(index: number): number {
    return this.buf[index];
  }

  set(index: number, value: number): void {
    this.buf[index] = value;
  }

  /** Drop values past `length` (used to roll back a partially appended record). */
  truncate(length: number): void {
    if (length < this.len) this.len = length;
  }

  /** A view of the filled part (shares memory; valid until the next push). */
  view(): T {
    return this.buf.subarray(0, this.len) as T;
  }

  /**
   * An array of exactly `length` values. When at most a quarter of the store is unused this is a
   * view on it (no copy, so no transient doubling of a large array); otherwise a compact copy.
   * The growable must not be used afterwards.
   */
  finish(): T {
    if (this.len === this.buf.length) return this.buf;
    if (this.buf.length - this.len <= this.buf.length / 4) return this.buf.subarray(0, this.len) as T;
    return this.buf.slice(0, this.len) as T;
  }
}

export class GrowableUint32 extends Growable<Uint32Array> {
  constructor(initialCapacity = 1024) {
    super(Uint32Array, initialCapacity);
  }
}

export class GrowableFloat64 extends Growable<Float64Array> {
  constructor(initialCapacity = 1024) {
    super(Float64Array, initialCapacity);
  }
}
