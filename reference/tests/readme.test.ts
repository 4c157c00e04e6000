// The README's TypeScript examples run as shown: every ```ts block, in order, as one module.
// (A ```typescript block is shown but not run here: a vitest test file, for instance.)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

it('every TypeScript example in README.md runs without error', () => {
  const root = join(__dirname, '..', '..');
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  expect(blocks.length).toBeGreaterThanOrEqual(4);
  // Imports are hoisted by ESM; the helpers the examples share come from the same modules.
  const source = [
    "import { tensor, toNested, arange, zeros, fromFlat } from '../reference/index';",
    ...blocks.map((b) => b.replaceAll("from './", "from '../")),
    "console.log('README examples ran');",
  ].join('\n');
  const dir = join(root, '.cache');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'readme-examples.ts');
  writeFileSync(file, source);
  const output = execFileSync(join(root, 'node_modules', '.bin', 'tsx'), [file], { encoding: 'utf8' });
  expect(output).toContain('README examples ran');
});
