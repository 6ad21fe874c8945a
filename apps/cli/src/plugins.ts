import { createDatasetRegistry } from '@diffbatt/core';
import { batteryArchiveDatasetPlugin } from '@diffbatt/datasets-batteryarchive';
import { calceDatasetPlugin } from '@diffbatt/datasets-calce';
import { cloDatasetPlugin } from '@diffbatt/datasets-clo';
import { diffbattDatasetPlugin } from '@diffbatt/datasets-diffbatt';
import { hustDatasetPlugin, tjuDatasetPlugin } from '@diffbatt/datasets-hust';
import { matrDatasetPlugin } from '@diffbatt/datasets-matr';
import { nasaDatasetPlugin } from '@diffbatt/datasets-nasa';
import { rwthDatasetPlugin } from '@diffbatt/datasets-rwth';

/**
 * The dataset plugins the CLI knows. Adding a source = a new `@diffbatt/datasets-<source>` package plus
 * one line here (and its dependency in package.json).
 */
export const datasetRegistry = createDatasetRegistry([
  diffbattDatasetPlugin,
  matrDatasetPlugin,
  nasaDatasetPlugin,
  rwthDatasetPlugin,
  calceDatasetPlugin,
  hustDatasetPlugin,
  tjuDatasetPlugin,
  cloDatasetPlugin,
  batteryArchiveDatasetPlugin,
]);
