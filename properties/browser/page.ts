/** The harness page: a person runs the conformance suite and the benchmark on their own browser and GPU. */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>d2l convnet harness: kernels in your browser</title>
<style>
  body { font: 14px system-ui, sans-serif; margin: 2em; max-width: 70em; }
  button { margin: 0 .5em .5em 0; }
  table { border-collapse: collapse; margin: 1em 0; }
  td, th { border-bottom: 1px solid #ddd; padding: 2px 8px; text-align: right; }
  td:first-child, th:first-child, td:nth-child(2), th:nth-child(2) { text-align: left; }
  .fail { color: #b00; } .ok { color: #070; }
  .bar { background: #1f77b4; height: 10px; display: inline-block; }
</style>
</head>
<body>
<h1>Kernels in your browser</h1>
<p>The gpu.js kernels of this project, checked against the float64 reference by the property suite and
timed, on this browser's <code>webgl2</code>, <code>webgl</code> and <code>webgpu</code> backends (your GPU).</p>
<div id="controls">
  <button data-run="conformance" data-mode="webgl2">Conformance: webgl2</button>
  <button data-run="conformance" data-mode="webgl">Conformance: webgl</button>
  <button data-run="conformance" data-mode="webgpu">Conformance: webgpu</button>
  <br>
  <button data-run="bench" data-mode="webgl2">Benchmark: webgl2</button>
  <button data-run="bench" data-mode="webgl">Benchmark: webgl</button>
  <button data-run="bench" data-mode="webgpu">Benchmark: webgpu</button>
</div>
<div id="status">Loading…</div>
<div id="results"></div>
<script src="/gpu-browser.js"></script>
<script type="module">
import '/harness.js';
const status = document.getElementById('status');
const results = document.getElementById('results');
const esc = (s) => String(s).replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]);
status.textContent = 'Ready.';
for (const button of document.querySelectorAll('button')) {
  button.addEventListener('click', async () => {
    const { run, mode } = button.dataset;
    status.textContent = run + ' on ' + mode + ': running…';
    try {
      if (run === 'conformance') {
        const r = await window.harness.conformance(mode, { seed: 20261122, numRuns: 10 });
        const passed = r.results.filter((p) => p.passed).length;
        const ranRight = r.executedClasses.every((c) => c === r.expectedClass);
        results.insertAdjacentHTML('afterbegin', '<h2>Conformance on ' + mode + '</h2><p>' + passed + ' of ' + r.results.length +
          ' properties pass; kernels ran as ' + esc(r.executedClasses.join(', ') || 'nothing') + (ranRight ? '' : ' <b class="fail">(expected ' + r.expectedClass + ')</b>') +
          '; limits ' + esc(JSON.stringify(r.limits)) + '</p><table><tr><th>property</th><th>result</th><th>cases</th><th>ms</th></tr>' +
          r.results.map((p) => '<tr><td>' + esc(p.id) + '</td><td class="' + (p.passed ? 'ok' : 'fail') + '">' + (p.passed ? 'pass' : esc(p.error)) +
          '</td><td>' + p.numRuns + '</td><td>' + p.durationMs.toFixed(0) + '</td></tr>').join('') + '</table>');
      } else {
        const r = await window.harness.bench(mode, { quick: true, timeMs: 300 });
        const max = Math.max(...r.figures.map((f) => f.throughput || 0));
        results.insertAdjacentHTML('afterbegin', '<h2>Benchmark on ' + mode + '</h2><table><tr><th>shape</th><th>op</th><th>throughput</th><th></th><th>median ms</th><th>first call ms</th><th>check</th></tr>' +
          r.figures.map((f) => '<tr><td>' + esc(f.shape) + '</td><td>' + esc(f.op) + '</td><td>' + (f.throughput ? f.throughput.toFixed(2) + (f.unit === 'flop' ? ' GFLOP/s' : ' Melem/s') : '-') +
          '</td><td style="text-align:left"><span class="bar" style="width:' + (f.throughput ? Math.max(1, 200 * f.throughput / max) : 0) + 'px"></span></td><td>' +
          (f.medianMs ? f.medianMs.toFixed(1) : '-') + '</td><td>' + (f.firstCallMs ? f.firstCallMs.toFixed(0) : '-') + '</td><td class="' + (f.status === 'ok' ? 'ok' : 'fail') + '">' + esc(f.status) + '</td></tr>').join('') + '</table>');
      }
      status.textContent = run + ' on ' + mode + ': done.';
    } catch (error) {
      status.textContent = run + ' on ' + mode + ' failed: ' + error.message;
    }
  });
}
</script>
</body>
</html>
`;
