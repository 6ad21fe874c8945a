export { buildProgram, run } from './cli.js';
