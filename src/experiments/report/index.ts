/** The report of `midl reproduce`: summaries, claims, and the results.json / .md / .html writers. */
export { summarizeRuns, findSummary, type RunSummary } from './summary.js';
export { evaluateClaims, CLAIM_TEXT, ACCURACY_TOLERANCE, type Claim, type ClaimId, type ClaimStatus } from './claims.js';
export { renderMarkdown, formatResultsTable } from './markdown.js';
export { renderHtml } from './html.js';
export { writeReport, REPORT_FILES } from './write.js';
