/** Writes the report files: results.json, results.md and report.html, each atomically. */
import * as path from 'node:path';
import { writeFileAtomic } from '../../atomic-write.js';
import type { StudyResults } from '../results.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';

export const REPORT_FILES = ['results.json', 'results.md', 'report.html'] as const;

/**
 * Writes the three files into outDir (created if needed) and returns their paths.
 * Everything is rendered first, so a rendering error leaves the directory untouched.
 */
export async function writeReport(results: StudyResults, outDir: string): Promise<string[]> {
  const contents = [`${JSON.stringify(results, null, 2)}\n`, renderMarkdown(results), await renderHtml(results)];
  return REPORT_FILES.map((name, i) => {
    const file = path.join(outDir, name);
    writeFileAtomic(file, contents[i]);
    return file;
  });
}
