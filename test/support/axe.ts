// axe-core, the accessibility rules engine, run inside a page of the real browser. Its source is put into
// the page through the DevTools protocol (page.evaluate), which the site's Content-Security-Policy does
// not stop, so nothing about the page is loosened for the test.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AxeResults, ImpactValue } from 'axe-core';
import type { Page } from 'playwright-core';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** One rule a page breaks: how badly, and where (CSS selectors of up to five of the elements). */
export type AxeViolation = { id: string; impact: ImpactValue | null; help: string; nodes: number; targets: string[] };
export type AxeReport = { page: string; violations: AxeViolation[]; passes: number; incomplete: number };

/** Runs every WCAG 2.x A/AA rule and axe's best practices on the page as it is now. */
export async function runAxe(page: Page, name: string): Promise<AxeReport> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(() =>
    (window as unknown as { axe: { run(context: Document, options: object): Promise<AxeResults> } }).axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
      resultTypes: ['violations'],
    }),
  );
  return {
    page: name,
    violations: results.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact ?? null,
      help: violation.help,
      nodes: violation.nodes.length,
      targets: violation.nodes.slice(0, 5).map((node) => node.target.join(' ')),
    })),
    passes: results.passes.length,
    incomplete: results.incomplete.length,
  };
}

/** Violations a page must not have: every serious or critical one, and the moderate ones named. */
export function blocking(report: AxeReport, moderate: readonly string[]): AxeViolation[] {
  return report.violations.filter(
    (violation) => violation.impact === 'serious' || violation.impact === 'critical' || moderate.includes(violation.id),
  );
}
