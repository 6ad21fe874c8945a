import {
  CELL_SCHEMA_VERSION,
  type Cell,
  type Cycle,
  DatasetError,
  type DischargeCurve,
} from '@diffbatt/core';
import { type MatFile, readVariable, validatePlain } from '@diffbatt/matfile';
import { type } from 'arktype';

/** Rated capacity of the NASA PCoE 18650 cells (their READMEs: "30% fade in rated capacity (from 2Ahr ...)"). */
export const NASA_NOMINAL_CAPACITY_IN_AH = 2.0;
/** NASA's `Capacity` field is the charge discharged until the measured voltage first falls below 2.7 V. */
export const CAPACITY_CUTOFF_IN_V = 2.7;
/** Every NASA PCoE charge is CC-CV to 4.2 V (their READMEs); with the 2.7 V cut-off it bounds Q(V). */
export const CHARGE_VOLTAGE_IN_V = 4.2;
/**
 * Samples below this current (A, discharge negative) count as "under load". The square-wave discharges of
 * B0025-B0028 alternate 4 A and rest; rest samples read a few mA either way.
 */
export const LOAD_CURRENT_IN_A = -0.1;
/** Largest relative gap between our Coulomb count and the file's `Capacity` for which Q(V) is kept. */
const CAPACITY_AGREEMENT = 0.02;

export const NASA_REFERENCE =
  'B. Saha and K. Goebel (2007). "Battery Data Set", NASA Prognostics Data Repository, NASA Ames Research Center';

const cycleRecordSchema = type({
  type: "'charge' | 'discharge' | 'impedance'",
  ambient_temperature: 'number',
  time: 'number[]',
  data: 'object',
});

/**
 * A NASA battery variable (e.g. `B0025`): a struct whose `cycle` field is the 1xN record array (a single
 * record arrives as one object, since MAT-files do not tell a 1x1 struct array from a struct).
 */
export const batterySchema = type({
  cycle: type('object')
    .pipe((records) => (Array.isArray(records) ? records : [records]))
    .to(cycleRecordSchema.array().atLeastLength(1)),
});

const dischargeDataSchema = type({
  Voltage_measured: 'number[] > 1',
  Current_measured: 'number[] > 1',
  Temperature_measured: 'number[] > 1',
  Time: 'number[] > 1',
  Capacity: 'number > 0',
});
type DischargeData = typeof dischargeDataSchema.infer;

/** Finds the battery variable: the one named like the file (B0025.mat -> B0025), else any struct with `cycle`. */
export function batteryVariableName(file: MatFile, fileName: string): string {
  const stem = fileName.replace(/^.*[\\/]/, '').replace(/\.mat$/i, '');
  if (file.variables.has(stem)) return stem;
  for (const [name, value] of file.variables) {
    if (value.kind === 'struct' && value.fieldNames.includes('cycle')) return name;
  }
  throw new DatasetError(
    `no battery variable: expected "${stem}" or a struct with a "cycle" field (variables: ${[...file.variables.keys()].join(', ')})`,
    { file: fileName },
  );
}

/**
 * One cell per NASA battery file: a cycle per discharge record, numbered by discharge count (charge and
 * impedance records are skipped). Discharge capacity is the file's `Capacity`; the time series keeps every
 * measured sample with a trapezoidal Coulomb count; Q(V) is taken from the samples under load up to the
 * 2.7 V cut-off that `Capacity` uses.
 */
export function nasaCellFromFile(file: MatFile, fileName: string): Cell {
  const name = batteryVariableName(file, fileName);
  const battery = readVariable(file, fileName, name, batterySchema);
  const cycles: Cycle[] = [];
  const notes: string[] = [];
  const ambient = new Set<number>();
  battery.cycle.forEach((record, index) => {
    if (record.type !== 'discharge') return;
    const field = `${name}.cycle(${index + 1}).data`;
    const data = validatePlain(dischargeDataSchema, record.data, { file: fileName, field });
    checkSamples(data, fileName, field);
    ambient.add(record.ambient_temperature);
    const cycleNumber = cycles.length + 1;
    const { cycle, note } = dischargeCycle(data, cycleNumber);
    cycles.push(cycle);
    if (note) notes.push(`discharge ${cycleNumber} (${field}): ${note}`);
  });
  if (cycles.length === 0) {
    throw new DatasetError('has no discharge records, so no capacity can be read', {
      file: fileName,
      field: name,
    });
  }
  const cell: Cell = {
    schemaVersion: CELL_SCHEMA_VERSION,
    cellId: name,
    source: 'nasa',
    nominalCapacityInAh: NASA_NOMINAL_CAPACITY_IN_AH,
    formFactor: 'cylindrical_18650',
    maxVoltageLimitInV: CHARGE_VOLTAGE_IN_V,
    minVoltageLimitInV: CAPACITY_CUTOFF_IN_V,
    reference: NASA_REFERENCE,
    description:
      `NASA PCoE battery ${name}: ${cycles.length} discharges (cycle number = discharge count). ` +
      `Capacity = the file's Capacity field (charge to ${CAPACITY_CUTOFF_IN_V} V); Q(V) from samples under load.` +
      (notes.length > 0 ? ` Notes: ${notes.join('; ')}` : ''),
    cycles,
  };
  if (ambient.size === 1) cell.temperatureInC = [...ambient][0]!;
  return cell;
}

function checkSamples(data: DischargeData, fileName: string, field: string): void {
  const length = data.Time.length;
  const series = {
    Voltage_measured: data.Voltage_measured,
    Current_measured: data.Current_measured,
    Temperature_measured: data.Temperature_measured,
    Time: data.Time,
  };
  for (const [key, values] of Object.entries(series)) {
    if (values.length !== length) {
      throw new DatasetError(`has ${values.length} samples but Time has ${length}`, {
        file: fileName,
        field: `${field}.${key}`,
      });
    }
    const bad = values.findIndex((value) => !Number.isFinite(value));
    if (bad !== -1) {
      throw new DatasetError(`sample ${bad + 1} is ${values[bad]}`, {
        file: fileName,
        field: `${field}.${key}`,
      });
    }
  }
  for (let index = 1; index < length; index += 1) {
    if (data.Time[index]! < data.Time[index - 1]!) {
      throw new DatasetError(`time goes backwards at sample ${index + 1}`, {
        file: fileName,
        field: `${field}.Time`,
      });
    }
  }
  if (!Number.isFinite(data.Capacity)) {
    throw new DatasetError(`is ${data.Capacity}`, { file: fileName, field: `${field}.Capacity` });
  }
}

/** Cumulative discharged charge (Ah) by the trapezoidal rule on the measured current (discharge negative). */
export function coulombCount(timeInS: readonly number[], currentInA: readonly number[]): number[] {
  const charge = [0];
  for (let index = 1; index < timeInS.length; index += 1) {
    const meanCurrent = (currentInA[index]! + currentInA[index - 1]!) / 2;
    const seconds = timeInS[index]! - timeInS[index - 1]!;
    charge.push(charge[index - 1]! - (meanCurrent * seconds) / 3600);
  }
  return charge;
}

/**
 * Q(V) under load: samples drawing current, up to `cutoff`, keeping only those whose voltage is below every
 * earlier kept one, so the curve runs strictly from high to low voltage.
 */
export function loadedDischargeCurve(
  voltageInV: readonly number[],
  currentInA: readonly number[],
  chargeInAh: readonly number[],
  cutoff: number,
): DischargeCurve {
  const curve: DischargeCurve = { voltageInV: [], dischargeCapacityInAh: [] };
  let lowest = Number.POSITIVE_INFINITY;
  for (let index = 0; index <= cutoff; index += 1) {
    const voltage = voltageInV[index]!;
    if (currentInA[index]! < LOAD_CURRENT_IN_A && voltage < lowest) {
      lowest = voltage;
      curve.voltageInV.push(voltage);
      curve.dischargeCapacityInAh.push(chargeInAh[index]!);
    }
  }
  return curve;
}

function dischargeCycle(data: DischargeData, cycleNumber: number): { cycle: Cycle; note?: string } {
  const charge = coulombCount(data.Time, data.Current_measured);
  const cycle: Cycle = {
    cycleNumber,
    dischargeCapacityInAh: data.Capacity,
    timeSeries: {
      timeInS: data.Time,
      voltageInV: data.Voltage_measured,
      currentInA: data.Current_measured,
      dischargeCapacityInAh: charge,
      temperatureInC: data.Temperature_measured,
    },
  };
  const crossing = data.Voltage_measured.findIndex((voltage) => voltage < CAPACITY_CUTOFF_IN_V);
  const cutoff = crossing === -1 ? data.Time.length - 1 : crossing;
  const counted = charge[cutoff]!;
  if (Math.abs(counted - data.Capacity) > CAPACITY_AGREEMENT * data.Capacity) {
    return {
      cycle,
      note:
        `Coulomb count ${counted.toFixed(4)} Ah to ${CAPACITY_CUTOFF_IN_V} V disagrees with Capacity ` +
        `${data.Capacity.toFixed(4)} Ah, so no Q(V) is given`,
    };
  }
  const curve = loadedDischargeCurve(data.Voltage_measured, data.Current_measured, charge, cutoff);
  if (curve.voltageInV.length < 2)
    return { cycle, note: 'fewer than two samples under load, so no Q(V) is given' };
  cycle.dischargeCurve = curve;
  return { cycle };
}
