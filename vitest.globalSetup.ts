// Says, after the run, which backends this machine could not start and why: their tests show only as
// "skipped" in vitest's summary (e.g. headlessgl without an X display: run `xvfb-run -a npm test`).
import { chromiumUnavailableReason } from './properties/browser/chromium.ts';
import { notRunHere } from './properties/backends.ts';

export function teardown(): void {
  const lines = notRunHere(chromiumUnavailableReason());
  if (lines.length) console.log(`\n${lines.join('\n')}\n`);
}
