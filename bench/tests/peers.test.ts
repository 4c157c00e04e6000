import { describe, expect, it } from 'vitest';
import { convFlops, ITEMS, peerRows, pytorchEnv, TUNED_MALLOC, type Item, type PeerSamples } from '../peers.ts';

const figures = (ms: Partial<Record<Item, number>>): Record<Item, number> => Object.fromEntries(ITEMS.map((i) => [i, ms[i] ?? 1])) as Record<Item, number>;

describe('npm run peers: the rows it prints', () => {
  it('counts each conv item\'s flops as the bench does: forward 2 per multiply-add, forward plus backward 6 (y, dx, dw)', () => {
    // LeNet conv2: 256 images x 16 x 10 x 10 outputs x 6 x 5 x 5 taps.
    const macs = 256 * 16 * 10 * 10 * 6 * 5 * 5;
    expect(convFlops('conv2 forward')).toBe(2 * macs);
    expect(convFlops('conv2 forward+backward')).toBe(6 * macs);
    expect(convFlops('conv1 forward')).toBe(2 * 256 * 6 * 28 * 28 * 1 * 5 * 5);
    expect(convFlops('step')).toBeNull();
  });

  it('takes medians over the rounds, and marks an item where PyTorch ran faster than the wasm limit allows any f32x4 kernel', () => {
    // 1 GFLOP at a limit of 50 GFLOP/s: a floor of 20 ms. PyTorch at 10 ms is above the limit; ours can't be faster than 20.
    const flopsOf = (item: Item) => (item === 'step' ? null : 1e9);
    const samples: PeerSamples = {
      1: {
        ours: [figures({ 'conv2 forward': 30 }), figures({ 'conv2 forward': 25 }), figures({ 'conv2 forward': 90 })],
        pytorch: [figures({ 'conv2 forward': 10, 'conv1 forward': 40 }), figures({ 'conv2 forward': 12, 'conv1 forward': 40 }), figures({ 'conv2 forward': 11, 'conv1 forward': 40 })],
        limit: [50, 10, 60],
      },
    };
    const rows = peerRows(samples, [1], flopsOf);
    const conv2 = rows.find((r) => r.item === 'conv2 forward')!;
    expect(conv2).toMatchObject({ threads: 1, oursMs: 30, pytorchMs: 11, limitGflops: 50, wasmFloorMs: 20, aboveWasmLimit: true });
    expect(conv2.speedup).toBeCloseTo(11 / 30);
    expect(conv2.oursGflops).toBeCloseTo(1e9 / 30 / 1e6);
    // Each side's fastest round too (PyTorch's moves the most between processes).
    expect(conv2).toMatchObject({ oursFastestMs: 25, pytorchFastestMs: 10 });
    // PyTorch at 40 ms is under the limit: reachable.
    expect(rows.find((r) => r.item === 'conv1 forward')).toMatchObject({ wasmFloorMs: 20, aboveWasmLimit: false });
    // The step has no flop count: no floor, never marked.
    expect(rows.find((r) => r.item === 'step')).toMatchObject({ wasmFloorMs: null, aboveWasmLimit: false, oursGflops: null });
  });

  it('runs PyTorch with glibc malloc keeping freed memory unless asked not to, keeping values the caller set', () => {
    expect(pytorchEnv('tuned', { PATH: '/bin' })).toEqual({ PATH: '/bin', ...TUNED_MALLOC });
    expect(Number(TUNED_MALLOC.MALLOC_MMAP_THRESHOLD_)).toBeGreaterThanOrEqual(5e6); // LeNet's largest activation, 4.8 MB, stays off mmap
    expect(pytorchEnv('tuned', { MALLOC_TRIM_THRESHOLD_: '0' }).MALLOC_TRIM_THRESHOLD_).toBe('0');
    expect(pytorchEnv('default', { PATH: '/bin' })).toEqual({ PATH: '/bin' });
  });
});
