/**
 * Stored counterexamples: every case fast-check ever shrank a failure to is kept in
 * `fixtures/regressions/<property id>.json` and runs before the generated cases, every time.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The harness's root: the nearest folder above this module with a package.json. The same folder
 * whether this runs from source (properties/) or from the built package (dist/properties/).
 */
export function harnessRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}: the harness must run from its repository or its installed package.`);
  }
}

/** The stored cases that ship with the harness (the package includes them). */
export const REGRESSIONS_DIR = join(harnessRoot(), 'fixtures', 'regressions');

export interface RegressionCase {
  /** What the case caught, e.g. 'mutant swapped-stride-axes' or 'webasm, seed 42'. */
  readonly name: string;
  /** When it was found (ISO date). */
  readonly found: string;
  /** The property's case, exactly as its arbitrary generates it. */
  readonly case: unknown;
}

interface RegressionFile {
  readonly property: string;
  readonly cases: RegressionCase[];
}

function fileOf(propertyId: string, dir = REGRESSIONS_DIR): string {
  return join(dir, `${propertyId}.json`);
}

/** The stored cases of a property (none if it has no file). A malformed file is an error, not an empty list. */
export function loadRegressions(propertyId: string, dir = REGRESSIONS_DIR): RegressionCase[] {
  const file = fileOf(propertyId, dir);
  if (!existsSync(file)) return [];
  let parsed: RegressionFile;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as RegressionFile;
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${(error as Error).message}). Fix the file or restore it from git.`);
  }
  if (parsed.property !== propertyId || !Array.isArray(parsed.cases) || parsed.cases.some((c) => typeof c?.name !== 'string' || !('case' in c))) {
    throw new Error(`${file}: expected { "property": "${propertyId}", "cases": [{ "name", "found", "case" }] }.`);
  }
  return parsed.cases;
}

/** Adds a case unless an identical one is stored; returns whether it was new. */
export function storeRegression(propertyId: string, entry: RegressionCase, dir = REGRESSIONS_DIR): boolean {
  const cases = loadRegressions(propertyId, dir);
  const key = JSON.stringify(entry.case);
  if (cases.some((c) => JSON.stringify(c.case) === key)) return false;
  mkdirSync(dir, { recursive: true });
  writeRegressions(propertyId, [...cases, entry], dir);
  return true;
}

/** One line per case, so a diff shows exactly which case was added. */
export function writeRegressions(propertyId: string, cases: readonly RegressionCase[], dir = REGRESSIONS_DIR): void {
  const lines = cases.map((c) => `    { "name": ${JSON.stringify(c.name)}, "found": ${JSON.stringify(c.found)}, "case": ${JSON.stringify(c.case)} }`);
  writeFileSync(fileOf(propertyId, dir), `{\n  "property": ${JSON.stringify(propertyId)},\n  "cases": [\n${lines.join(',\n')}\n  ]\n}\n`);
}
