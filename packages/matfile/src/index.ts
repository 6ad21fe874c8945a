export {
  type EncodeMatFileOptions,
  encodeMatFile,
  matCell,
  matChar,
  matDouble,
  matLogical,
  matNumeric,
  matStruct,
} from './encode.js';
export { type MatPlain, type MatPlainComplex, type MatPlainUnsupported, toPlain } from './plain.js';
export {
  type MatFileKind,
  matFileKind,
  type ParseMatFileOptions,
  parseMatFile,
  readMatFile,
  sniffMatFile,
} from './reader.js';
export type {
  MatCell,
  MatChar,
  MatFile,
  MatFileHeader,
  MatLogical,
  MatNumeric,
  MatStruct,
  MatUnsupported,
  MatValue,
  NumericClass,
} from './types.js';
export { readVariable, validatePlain } from './validate.js';
