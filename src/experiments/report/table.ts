/** A report table, rendered as text, Markdown or HTML (markdown.ts, html.ts). */
export interface Table {
  title: string;
  header: string[];
  rows: string[][];
  /** Columns from this index on hold numbers and are right-aligned. */
  numericFrom: number;
  /** A line printed under the table, if any. */
  note?: string;
}
