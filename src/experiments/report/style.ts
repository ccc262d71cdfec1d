/** The report page's stylesheet: light, system fonts, tables that scroll on narrow screens. */
export const REPORT_CSS = `
:root { --text: #1f2430; --muted: #5c6473; --line: #e3e6eb; --bg: #ffffff; --panel: #f7f8fa; --accent: #0f8b8d; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--text);
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 32px 24px 48px; }
h1 { font-size: 28px; line-height: 1.2; margin: 0 0 6px; letter-spacing: -0.01em; }
h2 { font-size: 20px; margin: 40px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
.subtitle { color: var(--muted); margin: 0 0 18px; max-width: 820px; }
.banner { background: #fff6e0; border: 1px solid #f0d48a; border-radius: 6px; padding: 10px 14px; margin: 0 0 16px; font-weight: 600; }
.run-summary { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 0;
  background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 14px 18px; font-size: 14px; }
.run-summary dt { font-weight: 600; color: var(--muted); }
.run-summary dd { margin: 0; }
.claims { list-style: none; margin: 0; padding: 0; }
.claim { display: flex; gap: 14px; align-items: flex-start; padding: 10px 0; border-bottom: 1px solid var(--line); }
.claim:last-child { border-bottom: 0; }
.claim p { margin: 0; }
.claim-text { font-weight: 600; }
.evidence { color: var(--muted); font-size: 13.5px; font-variant-numeric: tabular-nums; }
.badge { flex: 0 0 116px; text-align: center; border-radius: 999px; padding: 2px 10px; font-size: 12.5px; font-weight: 700;
  text-transform: uppercase; letter-spacing: 0.03em; border: 1px solid transparent; margin-top: 1px; }
.status-confirmed { background: #e3f4ea; color: #1d6b3c; border-color: #a9dcbc; }
.status-partly { background: #fff3d6; color: #8a5a00; border-color: #f0d48a; }
.status-not-confirmed { background: #fde7e7; color: #a12727; border-color: #f1b5b5; }
.status-not-measured { background: #eef0f3; color: #5c6473; border-color: #d5d9e0; }
.tests { color: var(--muted); margin: 0 0 4px; font-size: 14px; }
.table-wrap { display: inline-block; max-width: 100%; overflow-x: auto; vertical-align: top;
  border: 1px solid var(--line); border-radius: 8px; margin: 12px 0; }
table { border-collapse: collapse; font-size: 13.5px; font-variant-numeric: tabular-nums; }
th, td { padding: 6px 9px; text-align: left; white-space: nowrap; border-bottom: 1px solid var(--line); }
th { background: var(--panel); font-weight: 600; color: #3a4150; white-space: normal; vertical-align: bottom; line-height: 1.3; }
tbody tr:last-child td { border-bottom: 0; }
tbody tr:nth-child(even) { background: #fbfbfc; }
tr.midl td { background: #e9f6f6; }
tr.midl td:nth-child(2) { color: var(--accent); font-weight: 700; }
.num { text-align: right; }
.note { color: var(--muted); font-size: 13px; margin: 6px 0 20px; }
figure { margin: 22px 0; }
figcaption { font-weight: 600; margin-bottom: 8px; }
figure svg { max-width: 100%; height: auto; display: block; }
.skipped li { margin: 4px 0; }
footer { margin-top: 48px; padding-top: 12px; border-top: 1px solid var(--line); color: var(--muted); font-size: 13px; }
@media (max-width: 640px) {
  main { padding: 20px 14px 36px; }
  h1 { font-size: 23px; }
  .run-summary { grid-template-columns: 1fr; }
  .claim { flex-direction: column; gap: 6px; }
  .badge { flex-basis: auto; }
}
`;
