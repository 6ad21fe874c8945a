import { DatasetError } from '@diffbatt/core';
import { readMatFile, readVariable } from '@diffbatt/matfile';
import { type } from 'arktype';

/** A 1xN numeric row; a single cell's file stores a scalar, which MAT-files do not tell apart. */
const numberRow = type('number.safe[]').or(type('number.safe').pipe((value) => [value]));

const metadataSchema = type({
  cell_names: 'string[] > 0',
  nom_capacity: numberRow,
  manufacturer_cap: 'number.safe > 0',
  'type?': 'string',
  'cell_format?': 'string',
  'delta_DOD?': numberRow,
  'charge_CRate?': numberRow,
  'cycle_temp?': numberRow,
  'cycle_volt?': numberRow,
});

/** What metadata.mat says about one cell of the project. */
export interface RwthCellMetadata {
  cellName: string;
  /** The cell's own reference capacity (equals its begin-of-life check-up capacity in P001). */
  referenceCapacityInAh: number;
  /** The manufacturer's nominal capacity, shared by all cells of the project. */
  manufacturerCapacityInAh: number;
  cathode?: string;
  cellFormat?: string;
  deltaDod?: number;
  chargeCRate?: number;
  cycleTemperatureInC?: number;
  meanCycleVoltageInV?: number;
}

/** Reads and checks `metadata.mat` (struct `metadata` with one entry per cell in `cell_names`). */
export async function readRwthMetadata(path: string): Promise<RwthCellMetadata[]> {
  const file = await readMatFile(path);
  const metadata = readVariable(file, path, 'metadata', metadataSchema);
  const count = metadata.cell_names.length;
  const perCell = (field: string, values: number[] | undefined): number[] | undefined => {
    if (values !== undefined && values.length !== count) {
      throw new DatasetError(`has ${values.length} values for ${count} cells in cell_names`, {
        file: path,
        field: `metadata.${field}`,
      });
    }
    return values;
  };
  const reference = perCell('nom_capacity', metadata.nom_capacity)!;
  const deltaDod = perCell('delta_DOD', metadata.delta_DOD);
  const chargeCRate = perCell('charge_CRate', metadata.charge_CRate);
  const cycleTemperature = perCell('cycle_temp', metadata.cycle_temp);
  const cycleVoltage = perCell('cycle_volt', metadata.cycle_volt);
  return metadata.cell_names.map((cellName, index) => {
    if (!(reference[index]! > 0)) {
      throw new DatasetError(`is ${reference[index]} for ${cellName}; expected a positive capacity in Ah`, {
        file: path,
        field: `metadata.nom_capacity(${index + 1})`,
      });
    }
    const cell: RwthCellMetadata = {
      cellName,
      referenceCapacityInAh: reference[index]!,
      manufacturerCapacityInAh: metadata.manufacturer_cap,
    };
    if (metadata.type !== undefined) cell.cathode = metadata.type;
    if (metadata.cell_format !== undefined) cell.cellFormat = metadata.cell_format;
    if (deltaDod) cell.deltaDod = deltaDod[index]!;
    if (chargeCRate) cell.chargeCRate = chargeCRate[index]!;
    if (cycleTemperature) cell.cycleTemperatureInC = cycleTemperature[index]!;
    if (cycleVoltage) cell.meanCycleVoltageInV = cycleVoltage[index]!;
    return cell;
  });
}
