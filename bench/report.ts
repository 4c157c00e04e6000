/** The bench's outputs: a terminal table, the JSON record, an SVG chart, and the comparison with an earlier run. */

/** Our figures (the best of our backends) beside every peer timed in the same run (`peer`), as ratios. */
export function peerRatios(report: BenchReport): { shape: string; op: string; ours: BenchResult; peers: { peer: BenchResult; ratio: number }[] }[] {
  const timed = report.results.filter((r) => r.status === 'ok' && r.throughput);
  const peerFigures = timed.filter((r) => r.peer);
  const keys = [...new Set(peerFigures.map((r) => `${r.shape} ${r.op}`))];
  return keys.flatMap((key) => {
    const ours = timed.filter((r) => !r.peer && r.backend !== 'reference' && `${r.shape} ${r.op}` === key).sort((a, b) => (b.throughput ?? 0) - (a.throughput ?? 0))[0];
    if (!ours) return [];
    const peers = peerFigures.filter((r) => `${r.shape} ${r.op}` === key).map((peer) => ({ peer, ratio: (ours.throughput as number) / (peer.throughput as number) }));
    return [{ shape: ours.shape, op: ours.op, ours, peers }];
  });
}

/** The peer table: our best figure per shape, and its ratio to each peer measured in this run. */
export function formatPeers(report: BenchReport): string {
  const rows = peerRatios(report);
  if (rows.length === 0) return 'peers: none timed in this run (--no-peers, or none could start)';
  const names = [...new Set(rows.flatMap((r) => r.peers.map((p) => p.peer.backend)))];
  const lines = [`${'shape op'.padEnd(26)} ${'best here'.padEnd(34)} ${names.map((n) => n.padEnd(28)).join(' ')}`, `${''.padEnd(26)} ${''.padEnd(34)} ${names.map(() => 'peer figure (ours / peer)'.padEnd(28)).join(' ')}`];
  for (const r of rows) {
    const cells = names.map((n) => {
      const p = r.peers.find((x) => x.peer.backend === n);
      return (p ? `${fmt(p.peer.throughput)} (${p.ratio.toFixed(2)}x)` : '-').padEnd(28);
    });
    lines.push(`${`${r.shape} ${r.op}`.padEnd(26)} ${`${fmt(r.ours.throughput)} ${unitOf(r.ours)} (${r.ours.backend})`.padEnd(34)} ${cells.join(' ')}`);
  }
  return lines.join('\n');
}

/** The machine's wasm SIMD limit (bench/machineLimit.ts measures it), the ceiling every "% limit" is a share of. */
export interface MachineLimit {
  /** Measured wasm SIMD GFLOP/s on one thread: fused multiply-adds where relaxed SIMD compiles, else mul+add. */
  readonly oneThread: number;
  /** Measured on every core at once. */
  readonly allCores: number;
  /** The mul+add loop's figures (what the plain build can at best reach), when the limit above is the fused one. */
  readonly withoutFma?: { readonly oneThread: number; readonly allCores: number };
  readonly cores: number;
  readonly method: string;
}

export interface BenchResult {
  readonly backend: string;
  readonly shape: string;
  readonly op: string;
  readonly description: string;
  readonly unit: 'flop' | 'element';
  readonly work: number;
  /** 'ok', or 'WRONG' (not timed) when the result broke the error model, or 'error: ...'. */
  readonly status: string;
  /** Worst |kernel - reference| / bound of the correctness check (<= 1 passes). */
  readonly errorRatio: number;
  /**
   * For a WRONG result, what the check found (the comparator's message): the tensor, the check that
   * failed (shape, data type, NaN placement, value), the element, its value and the reference's.
   */
  readonly errorMessage?: string;
  /** First call: compilation plus one run. */
  readonly firstCallMs?: number;
  readonly medianMs?: number;
  readonly p99Ms?: number;
  /** Relative margin of error of the mean latency, percent (tinybench). */
  readonly rmePercent?: number;
  readonly samples?: number;
  /** GFLOP/s for 'flop' work, million elements/s for 'element' work (at the median latency). */
  readonly throughput?: number;
  readonly speedupOverReference?: number;
  /** Throughput / the measured all-core wasm SIMD limit (flop work only). */
  readonly shareOfLimit?: number;
  /**
   * 'every call': inputs are copied to the backend and results read back on every call. 'none
   * (resident)': inputs were uploaded before timing and results stay on the backend (as in a training
   * step), on backends with device memory; the LeNet step's trainStepCopying figure shows what the copies cost.
   */
  readonly readback: 'every call' | 'none (resident)';
  /** A peer runtime (TensorFlow.js, ONNX Runtime Web) timed in this run, not one of ours (bench/jsPeers.ts). */
  readonly peer?: boolean;
}

export interface BenchReport {
  readonly date: string;
  readonly machine: { cpu: string; cores: number; memoryGiB: number; platform: string; node: string };
  readonly versions: { gpujs: string; tinybench: string; tfjs?: string; onnxruntimeWeb?: string };
  readonly limit: MachineLimit;
  readonly backends: { name: string; available: boolean; reason?: string; precision: string; variant?: string }[];
  readonly options: Record<string, unknown>;
  readonly results: BenchResult[];
}

const unitOf = (r: BenchResult) => (r.unit === 'flop' ? 'GFLOP/s' : 'Melem/s');
const fmt = (v: number | undefined, digits = 2) => (v === undefined ? '-' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(digits));

/** A check's ratio: two decimals, or two significant digits under 0.01 (long sums leave ratios far below 1). */
const fmtRatio = (v: number) => (v === 0 || v >= 0.01 ? v.toFixed(2) : v.toExponential(1));

export function formatTable(report: Pick<BenchReport, 'results'>): string {
  // A column nobody has a figure for (% limit, outside npm run bench) is left out.
  const withLimit = report.results.some((r) => r.shareOfLimit !== undefined);
  const header = ['shape', 'op', 'backend', 'data', 'throughput', 'median ms', 'p99 ms', '±%', 'first ms', 'x ref', ...(withLimit ? ['% limit'] : []), 'check'];
  const rows = report.results.map((r) => {
    const one = r.samples === 1; // one timed call: no spread to give
    return [
      r.shape, r.op, r.backend, r.readback === 'every call' ? 'copied' : 'resident', r.throughput === undefined ? '-' : `${fmt(r.throughput)} ${unitOf(r)}`, fmt(r.medianMs),
      one ? '-' : fmt(r.p99Ms), one ? '-' : fmt(r.rmePercent, 1),
      fmt(r.firstCallMs, 0), r.speedupOverReference === undefined ? '-' : `${fmt(r.speedupOverReference)}x`,
      ...(withLimit ? [r.shareOfLimit === undefined ? '-' : `${(100 * r.shareOfLimit).toFixed(1)}%`] : []),
      // What went wrong is in the lines under the table (formatNotTimed); the cell says only what kind.
      r.status === 'ok' ? `ok (${fmtRatio(r.errorRatio)})` : r.status.split(':')[0],
    ];
  });
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((row) => row[k].length)));
  const line = (cells: string[]) => cells.map((c, k) => (k < 4 ? c.padEnd(widths[k]) : c.padStart(widths[k]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A figure not timed because the backend declined the case (UnsupportedOptionError): not a failure, as in the suite. */
export const declined = (r: Pick<BenchResult, 'status'>): boolean => r.status.startsWith('declined');

/** One line per figure not timed: what was wrong (a WRONG result's message), why it was declined, or the error; empty when every figure was timed. */
export function formatNotTimed(results: readonly Pick<BenchResult, 'backend' | 'shape' | 'op' | 'status' | 'errorRatio' | 'errorMessage'>[]): string {
  return results
    .filter((r) => r.status !== 'ok')
    .map((r) => {
      const kind = r.status === 'WRONG' ? 'WRONG' : declined(r) ? 'DECLINED' : 'ERROR';
      const detail = r.status === 'WRONG' ? (r.errorMessage ?? `${r.errorRatio} x the bound`) : r.status.replace(/^(error|declined): /, '');
      return `${kind} ${r.backend} ${r.shape} ${r.op}: ${detail}`;
    })
    .join('\n');
}

/** Grouped horizontal bars, log scale: GFLOP/s (or Melem/s) per operation and backend. */
export function formatSvg(report: BenchReport): string {
  const timed = report.results.filter((r) => r.throughput !== undefined && r.throughput > 0);
  const groups = [...new Set(timed.map((r) => `${r.shape} ${r.op}`))];
  const backends = [...new Set(timed.map((r) => r.backend))];
  const colors = ['#7f7f7f', '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#bcbd22', '#17becf'];
  const barH = 11;
  const groupH = backends.length * barH + 10;
  const left = 230;
  const plotW = 480;
  const top = 50 + Math.ceil(backends.length / 4) * 13; // under the legend
  // Our best figure as a ratio to each peer timed in this run, one line per shape under the bars.
  const ratios = peerRatios(report);
  const ratioTop = top + groups.length * groupH + 50;
  const height = ratioTop + (ratios.length ? 20 + ratios.length * 14 : 0);
  const values = timed.map((r) => r.throughput as number);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...values, 1)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...values, report.limit.allCores)));
  const xOf = (v: number) => left + (Math.log10(v / lo) / Math.log10(hi / lo)) * plotW;
  const parts: string[] = [];
  for (let d = lo; d <= hi; d *= 10) parts.push(`<line x1="${xOf(d)}" x2="${xOf(d)}" y1="${top - 5}" y2="${ratioTop - 40}" stroke="#ddd"/><text x="${xOf(d)}" y="${ratioTop - 26}" text-anchor="middle">${d}</text>`);
  const limitX = xOf(report.limit.allCores);
  parts.push(`<line x1="${limitX}" x2="${limitX}" y1="${top - 5}" y2="${ratioTop - 40}" stroke="#d62728" stroke-dasharray="4 3"/><text x="${limitX}" y="${top - 10}" text-anchor="middle" fill="#d62728">measured limit ${report.limit.allCores.toFixed(0)} GFLOP/s</text>`);
  groups.forEach((g, gi) => {
    const y0 = top + gi * groupH;
    parts.push(`<text x="${left - 8}" y="${y0 + (backends.length * barH) / 2 + 4}" text-anchor="end">${g}</text>`);
    backends.forEach((b, bi) => {
      const r = timed.find((t) => `${t.shape} ${t.op}` === g && t.backend === b);
      if (!r) return;
      const y = y0 + bi * barH;
      parts.push(`<rect x="${left}" y="${y}" width="${Math.max(1, xOf(r.throughput as number) - left)}" height="${barH - 2}" fill="${colors[bi % colors.length]}"><title>${b}: ${fmt(r.throughput)} ${unitOf(r)}</title></rect>`);
    });
  });
  if (ratios.length) {
    parts.push(`<text x="10" y="${ratioTop + 6}" font-weight="bold">ours / peer, measured in this run</text>`);
    ratios.forEach((r, i) => parts.push(`<text x="10" y="${ratioTop + 20 + i * 14}">${r.shape} ${r.op}, ${r.ours.backend}: ${r.peers.map((p) => `${p.ratio.toFixed(2)}x ${p.peer.backend}`).join(', ')}</text>`));
  }
  // Four names a row: with the peers there are up to ten.
  const legend = backends.map((b, bi) => `<rect x="${10 + (bi % 4) * 185}" y="${26 + Math.floor(bi / 4) * 13}" width="10" height="10" fill="${colors[bi % colors.length]}"/><text x="${24 + (bi % 4) * 185}" y="${35 + Math.floor(bi / 4) * 13}">${b}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${left + plotW + 40}" height="${height}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="18" font-size="13">Kernel throughput, GFLOP/s (pools: million elements/s), log scale — ${report.machine.cpu}, ${report.date.slice(0, 10)}</text>
${legend}
${parts.join('\n')}
<text x="${left + plotW / 2}" y="${ratioTop - 8}" text-anchor="middle">throughput (higher is better)</text>
</svg>
`;
}

/** Each figure's ratio to an earlier run, flagged where it moved beyond the noise both runs measured. */
export function formatComparison(current: BenchReport, earlier: BenchReport): string {
  const lines = ['shape  op  backend: now / before = ratio (noise)'];
  for (const r of current.results) {
    const old = earlier.results.find((o) => o.backend === r.backend && o.shape === r.shape && o.op === r.op);
    if (!old?.throughput || !r.throughput) continue;
    const ratio = r.throughput / old.throughput;
    // Two runs' margins of error at ~95%, plus 5% for machine drift between runs.
    const noise = ((r.rmePercent ?? 0) + (old.rmePercent ?? 0)) / 100 + 0.05;
    const flag = ratio < 1 - noise ? '  REGRESSION' : ratio > 1 + noise ? '  faster' : '';
    lines.push(`${r.shape}  ${r.op}  ${r.backend}: ${fmt(r.throughput)} / ${fmt(old.throughput)} = ${ratio.toFixed(2)} (±${(100 * noise).toFixed(0)}%)${flag}`);
  }
  return lines.join('\n');
}
