/** Keras SavedModel import: the public surface (the readers stay internal). */
export { compareWithGolden, type GoldenComparison } from './golden.js';
export { importKerasModel, type KerasImport, type KerasImportProvenance } from './import.js';
