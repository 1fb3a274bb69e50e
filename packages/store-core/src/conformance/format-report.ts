/** The report as text: a matrix of sections and checks, then the failures in full. */

import type { CheckResult, ConformanceReport } from './types.js';
import { SECTION_IDS } from './types.js';

const MARKS: Record<CheckResult['status'], string> = {
  passed: 'pass',
  failed: 'FAIL',
  'not-claimed': '  - ',
};

/**
 * Formats a report for a terminal: one line per check grouped by section (`pass`, `FAIL`, or
 * `-` with the unclaimed capability), then every failure message, then the summary.
 *
 * @example
 * console.log(formatConformanceReport(await runConformance(options)));
 */
export function formatConformanceReport(report: ConformanceReport): string {
  const lines = [`conformance of ${report.store}`];
  for (const section of SECTION_IDS) {
    const checks = report.checks.filter((check) => check.section === section);
    if (checks.length === 0) continue;
    lines.push('', section);
    for (const check of checks) {
      const note =
        check.status === 'not-claimed' ? `  [not claimed: ${check.error ?? 'unknown'}]` : '';
      const time = check.status === 'not-claimed' ? '' : `  ${Math.round(check.durationMs)} ms`;
      lines.push(`  ${MARKS[check.status]}  ${check.id}${note}${time}`);
    }
  }
  const failures = report.checks.filter((check) => check.status === 'failed');
  if (failures.length > 0) {
    lines.push('', 'failures');
    for (const check of failures) lines.push(`  ${check.id}: ${check.error ?? ''}`);
  }
  const { passed, failed, notClaimed } = report.summary;
  lines.push('', `${passed} passed, ${failed} failed, ${notClaimed} not claimed`);
  return lines.join('\n');
}
