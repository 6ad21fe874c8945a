/**
 * Published cycle-life RMSE (cycles) per split, DIFFBATT.md section 5 (poster Table 1, baselines from
 * BatteryML): DiffBatt's mean ± sd over ten seeds and the best BatteryML model of the split.
 */
export interface PublishedScores {
  /** The split's name as the paper prints it. */
  name: string;
  paper: number;
  paperSd: number;
  baseline: string;
  baselineValue: number;
}

export const PUBLISHED: Record<string, PublishedScores> = {
  matr_1: { name: 'MATR-1', paper: 88, paperSd: 4, baseline: 'PCR', baselineValue: 90 },
  matr_2: { name: 'MATR-2', paper: 235, paperSd: 16, baseline: '"Discharge" model', baselineValue: 149 },
  hust: { name: 'HUST', paper: 368, paperSd: 23, baseline: 'Random forest', baselineValue: 368 },
  snl: { name: 'SNL', paper: 125, paperSd: 11, baseline: 'PCR', baselineValue: 200 },
  clo: { name: 'CLO', paper: 140, paperSd: 14, baseline: '"Discharge" model', baselineValue: 143 },
  cruh: { name: 'CRUH', paper: 119, paperSd: 6, baseline: 'PLSR', baselineValue: 60 },
  crush: { name: 'CRUSH', paper: 294, paperSd: 18, baseline: 'Random forest', baselineValue: 416 },
  mix: { name: 'MIX', paper: 202, paperSd: 6, baseline: 'Random forest', baselineValue: 197 },
};
