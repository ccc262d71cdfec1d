/** `midl report DIR`: assemble a study from the unit records its processes left in DIR. */
import * as path from 'node:path';
import { MidlInputError } from '../../errors.js';
import { formatResultsTable } from '../../experiments/report/markdown.js';
import { writeReport } from '../../experiments/report/write.js';
import { assembleStudy } from '../../experiments/study/assemble.js';
import { readAllRecords, recordsDir, theirStudy } from '../../experiments/study/records.js';
import { defineCommand } from '../command.js';

/** The exit code when records are missing, so a pipeline can tell a partial study from a failure. */
export const MISSING_RUNS_EXIT = 3;

export const reportCommand = defineCommand({
  name: 'report',
  summary: "assemble a study's results from the records in DIR (e.g. after a sharded run)",
  usage: 'midl report DIR',
  description:
    "Assembles the study in DIR from the records its units left in DIR/records (by one\n" +
    "'midl reproduce' or by many, e.g. the shares of a Slurm array; see docs/cluster.md)\n" +
    'and writes DIR/results.json, DIR/results.md and DIR/report.html.',
  notes:
    `Units without a record are listed by id; the exit code is then ${MISSING_RUNS_EXIT} (the files are\n` +
    'still written, marked in progress). Records of two different study configurations\n' +
    'in one DIR are an error (exit code 2).',
  flags: {},
  computes: false,
  positional: { placeholder: 'DIR', help: "the study's output folder (reproduce --out)" },
  async run(_values, dir) {
    if (dir === undefined) throw new MidlInputError('report: expected the study folder DIR');
    const outDir = path.resolve(dir);
    const records = readAllRecords(outDir);
    const spec = theirStudy(records, recordsDir(outDir));
    const { results, missing } = assembleStudy(spec, new Map(records.map((r) => [r.id, r])));
    await writeReport(results, outDir);
    if (missing.length > 0) {
      process.stderr.write(`midl: ${missing.length} of ${missing.length + records.length} units have no record yet:\n`);
      for (const u of missing) process.stderr.write(`  ${u.id}\n`);
      return MISSING_RUNS_EXIT;
    }
    process.stdout.write(`${formatResultsTable(results)}\n`);
    process.stdout.write(`\nWrote ${path.join(outDir, 'results.json')}, results.md and report.html from ${records.length} records.\n`);
    return 0;
  },
});
