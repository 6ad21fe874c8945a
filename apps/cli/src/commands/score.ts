import { formatScoreTable, readCurveSet, scoreCurveSets, scoreResultsToJson } from '@diffbatt/eval';
import { formatMarkedScoreTable, syntheticJsonFields } from '@diffbatt/report';
import { type } from 'arktype';
import type { Command } from 'commander';
import { parseOptions } from '../options.js';
import { assertWritable, STANDARD_OUTPUT, writeOutput } from '../output.js';
import { terminal } from '../terminal.js';

const scoreOptions = type({
  reference: 'string > 0',
  generated: 'string > 0',
  'json?': 'boolean | string > 0',
  eol: type('string.numeric.parse').to('0 < number < 100'),
  arithmetic: "'float64' | 'float32'",
});

export function registerScoreCommand(program: Command): void {
  program
    .command('score')
    .description('score generated SOH curves against reference curves (DiffBatt protocol and beyond)')
    .requiredOption(
      '--reference <file>',
      'measured curves: .npy [N,256] or [N,256,1] (values 2*SOH-1), or a .dbds dataset file',
    )
    .requiredOption(
      '--generated <file>',
      'generated curves: N, or k*N with the k samples of each cell together; .dbds files pair by cell id',
    )
    .option('--eol <soh>', 'end-of-life SOH in percent', '80')
    .option(
      '--arithmetic <kind>',
      'float64 (reproduces the reference numbers) or float32 (TensorFlow kernel)',
      'float64',
    )
    .option('--json [file]', 'write the results as JSON to a file, or to standard output (alone or -)')
    .action(async (raw: unknown) => {
      const options = parseOptions(scoreOptions, raw);
      if (typeof options.json === 'string') await assertWritable(options.json, '--json');
      const reference = await readCurveSet(options.reference);
      const generated = await readCurveSet(options.generated);
      const results = scoreCurveSets(reference, generated, {
        eolSoh: options.eol,
        arithmetic: options.arithmetic,
      });
      // Synthetic reference cells would make these scores synthetic-vs-synthetic: mark them wherever the
      // file says so (.npy files carry no flag).
      const synthetic = reference.synthetic;
      if (options.json !== undefined) {
        const json =
          synthetic === null
            ? scoreResultsToJson(results)
            : JSON.stringify(
                { ...JSON.parse(scoreResultsToJson(results)), ...syntheticJsonFields(synthetic) },
                null,
                2,
              );
        await writeOutput(
          typeof options.json === 'string' ? options.json : STANDARD_OUTPUT,
          `${json}\n`,
          'scores',
        );
      } else {
        terminal.out(
          synthetic === null ? formatScoreTable(results) : formatMarkedScoreTable(results, synthetic),
        );
      }
    });
}
