// c + a·b on four lanes. The FMA build (compiled with relaxed SIMD) makes it one fused multiply-add,
// rounded once, where the engine fuses it (x86 with FMA3, ARM); the plain build, a product and a sum.
// ASC_FEATURE_RELAXED_SIMD is a compile-time constant: each build keeps only its own branch.
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

// c + a·b for one number, rounded as madd rounds it: the scalar edges of a block (wasm has no scalar
// FMA, so the FMA build goes through lane 0), so every output of a sum is fused alike, whichever
// path (direct convolution or im2col + GEMM, a block or an edge) computes it.
@inline export function maddScalar(a: f32, b: f32, c: f32): f32 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.extract_lane(f32x4.relaxed_madd(f32x4.splat(a), f32x4.splat(b), f32x4.splat(c)), 0);
  return c + a * b;
}
