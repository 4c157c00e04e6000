/**
 * Headless Chromium through playwright-core (no browser download: Debian's `chromium` package, or
 * CHROMIUM_PATH). The flags give WebGL2 on SwiftShader and a WebGPU fallback adapter, and keep the
 * browser off the network (it is closed here, and background requests would flood it).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--enable-unsafe-swiftshader', '--enable-unsafe-webgpu',
  '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Why the browser cannot run here, or null when it can. */
export function chromiumUnavailableReason(): string | null {
  return existsSync(CHROMIUM_PATH) ? null : `no browser at ${CHROMIUM_PATH}. Fix: apt-get install chromium, or set CHROMIUM_PATH.`;
}

export interface BrowserSession {
  readonly page: Page;
  close(): Promise<void>;
}

/** A fresh profile, one page open at `url`; console errors of the page are forwarded to `onConsole`. */
export async function openPage(url: string, onConsole?: (line: string) => void): Promise<BrowserSession> {
  const reason = chromiumUnavailableReason();
  if (reason) throw new Error(reason);
  const userDataDir = mkdtempSync(join(tmpdir(), 'harness-chromium-'));
  const context: BrowserContext = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_FLAGS });
  const page = context.pages()[0] ?? (await context.newPage());
  if (onConsole) page.on('console', (m) => onConsole(`[page ${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => onConsole?.(`[page error] ${e.message}`));
  await page.goto(url);
  await page.waitForFunction(() => (globalThis as { harness?: unknown }).harness !== undefined, undefined, { timeout: 30_000 });
  return {
    page,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
