/**
 * The engine's only source of randomness: xoshiro128** seeded through SplitMix32.
 *
 * Everything is 32-bit integer arithmetic (`Math.imul`, shifts), so the uniform stream is
 * bit-identical in every JavaScript engine. Normals use Box-Muller on float64; Node and
 * Chromium share V8's fdlibm-derived `Math.log/cos/sin`, so the normal stream is identical
 * there too. `Math.random` is never used in `lib/`.
 *
 * Independent streams: `new Rng(seed, 'measurement')` and `new Rng(seed, 'sampler')` give
 * unrelated sequences from one user-facing seed, so changing how many numbers one stage draws
 * never shifts another stage's draws.
 */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spareNormal: number | null = null;

  constructor(seed: number, stream = '') {
    if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
    let h = hashString(stream) ^ (seed >>> 0);
    // Fold in the high bits of seeds above 2^32 so nearby large seeds differ.
    h = (h + Math.floor(seed / 4294967296)) | 0;
    const sm = splitMix32(h);
    this.s0 = sm();
    this.s1 = sm();
    this.s2 = sm();
    this.s3 = sm();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next uniform 32-bit unsigned integer (xoshiro128**). */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in the open interval (0, 1) with 32 bits of resolution. */
  uniform(): number {
    return (this.nextU32() + 0.5) / 4294967296;
  }

  /** Uniform integer in [0, n). Rejection sampling, so no modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 4294967296) throw new RangeError(`int(n) needs 0 < n <= 2^32, got ${n}`);
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const u = this.nextU32();
      if (u < limit) return u % n;
    }
  }

  /** Standard normal (Box-Muller, both outputs used). */
  normal(): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return z;
    }
    const u1 = this.uniform();
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    const a = 2 * Math.PI * u2;
    this.spareNormal = r * Math.sin(a);
    return r * Math.cos(a);
  }

  /** Fill a new Float32Array with standard normals. */
  normals(n: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.normal();
    return out;
  }

  /** Fisher-Yates: the first k entries of a random permutation of 0..n-1. */
  sampleWithoutReplacement(n: number, k: number): Uint32Array {
    if (k > n) throw new RangeError(`cannot choose ${k} of ${n}`);
    const idx = new Uint32Array(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    for (let i = 0; i < k; i++) {
      const j = i + this.int(n - i);
      const tmp = idx[i];
      idx[i] = idx[j];
      idx[j] = tmp;
    }
    return idx.slice(0, k);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function splitMix32(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) | 0;
  };
}

/** FNV-1a over UTF-16 code units; names a stream. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}
