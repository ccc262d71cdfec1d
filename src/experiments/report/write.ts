/** Writes the report files: results.json, results.md and report.html, each atomically. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StudyResults } from '../results.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';

/** Writes text to file through a temporary file in the same directory and a rename. */
export function writeFileAtomic(file: string, text: string): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    fs.writeFileSync(temp, text);
    fs.renameSync(temp, file);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw err;
  }
}

export const REPORT_FILES = ['results.json', 'results.md', 'report.html'] as const;

/** Renders everything first, so a rendering error leaves the directory untouched. */
export async function writeReport(results: StudyResults, outDir: string): Promise<string[]> {
  const contents = [`${JSON.stringify(results, null, 2)}\n`, renderMarkdown(results), await renderHtml(results)];
  fs.mkdirSync(outDir, { recursive: true });
  return REPORT_FILES.map((name, i) => {
    const file = path.join(outDir, name);
    writeFileAtomic(file, contents[i]);
    return file;
  });
}
