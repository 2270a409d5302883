// A real browser for end-to-end tests: Debian's Chromium driven by playwright-core (never a browser that
// a tool downloads), with a fresh profile, and every console error and uncaught exception collected.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS_DIR = path.resolve(import.meta.dirname, '..', '..', 'test-artifacts');

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export type TestBrowser = {
  context: BrowserContext;
  /** Console errors and uncaught exceptions of every page opened in the context, as "url: text". */
  errors: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
};

/**
 * `args`: flags beyond the usual ones, e.g. `--host-resolver-rules=MAP *.preview.test 127.0.0.1`;
 * `timezoneId`: the zone the pages live in (the machine's own when absent).
 */
export async function launchBrowser(options: { args?: string[]; timezoneId?: string } = {}): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}; install it with \`apt-get install -y chromium\`.`);
  const profile = mkdtempSync(path.join(os.tmpdir(), 'dockhand-chromium-'));
  // A persistent context is how playwright takes a --user-data-dir: a fresh one per run.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...FLAGS, ...(options.args ?? [])],
    viewport: { width: 1400, height: 900 },
    ...(options.timezoneId ? { timezoneId: options.timezoneId } : {}),
  });
  const errors: string[] = [];
  const watch = (page: Page) => {
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`${page.url()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`${page.url()}: uncaught ${error.message}`));
    // The console says only "Failed to load resource"; this says which.
    page.on('response', async (response) => {
      if (response.status() < 400) return;
      const body = await response.text().catch(() => '');
      errors.push(`${page.url()}: ${response.request().method()} ${response.url()} answered ${response.status()} ${body.slice(0, 300)}`);
    });
  };
  context.on('page', watch);
  for (const page of context.pages()) watch(page);
  return {
    context,
    errors,
    newPage: () => context.newPage(),
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a screenshot under test-artifacts/ and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** The text xterm.js shows in a terminal panel (its DOM renderer keeps one element per row). */
export function terminalText(page: Page, terminal = 1): Promise<string> {
  return page
    .locator(`#panel-terminal-${terminal} .xterm-rows`)
    .evaluate((rows) => [...rows.children].map((row) => row.textContent ?? '').join('\n'));
}

/** Waits until the terminal's text satisfies `test`; fails with what the terminal showed. */
export async function waitForTerminal(
  page: Page,
  test: (text: string) => boolean,
  what: string,
  timeoutMs = 30_000,
  terminal = 1,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = await terminalText(page, terminal).catch(() => '');
    if (test(text)) return text;
    await page.waitForTimeout(100);
  }
  throw new Error(`the terminal did not show ${what} within ${timeoutMs} ms; it showed:\n${text}`);
}

/**
 * Runs commands as a learner types them, each waiting until it finished: it then prints a line of its
 * own, a token the typed text does not contain (`$((n))` becomes n). Counting prompts would not do: tmux
 * shows only a screenful, and old prompts scroll off. `page` is read at each call (tests open it later).
 */
export function terminalCommands(page: () => Page, marker: string): (command: string, terminal?: number) => Promise<string> {
  let commands = 0;
  return async (command, terminal = 1) => {
    const n = ++commands;
    const token = `${marker}-done-${n}`;
    await typeInTerminal(page(), `${command}; printf '\\n%s\\n' ${marker}-done-$((${n}))`, terminal);
    return waitForTerminal(
      page(),
      (text) => text.split('\n').some((line) => line.trim() === token),
      `the end of \`${command}\``,
      60_000,
      terminal,
    );
  };
}

/** Types into the terminal as a learner would (the terminal must have the focus). */
export async function typeInTerminal(page: Page, text: string, terminal = 1): Promise<void> {
  await page.locator(`#panel-terminal-${terminal} .xterm-helper-textarea`).focus();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}
