// Moving and zeroing runs of floats inside the module's memory, with f32x4 moves. Not memory.copy
// and memory.fill: on shared memory V8 runs those as calls into the engine, which cost more than a
// short run's moves (im2col's runs: LeNet conv2's are 10 floats), and which slowed each other when
// both threads made them (LeNet conv1 forward, 28 copies and a fill per image: 0.87-0.94 -> 0.81-0.82 ms on 2
// threads, the same on 1).
/**
 * Copies n floats with f32x4 moves: im2col's runs are short (LeNet conv2: 10 floats), where a
 * memory.copy call costs more than the copy. From 4 floats on, the last move ends at n, overlapping
 * the one before (the same values written twice) instead of a scalar tail.
 */
@inline export function copyRun(dst: usize, src: usize, n: i32): void {
  if (n < 4) {
    for (let i = 0; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
    return;
  }
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  if (i < n) v128.store(dst + (<usize>(n - 4) << 2), v128.load(src + (<usize>(n - 4) << 2)));
}

/** Zeroes n floats at dst (f32x4 stores; from 4 floats on, the last overlaps the one before). */
@inline export function zeroRun(dst: usize, n: i32): void {
  if (n < 4) {
    for (let i = 0; i < n; i++) store<f32>(dst + (<usize>i << 2), 0);
    return;
  }
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), f32x4.splat(0));
  if (i < n) v128.store(dst + (<usize>(n - 4) << 2), f32x4.splat(0));
}

