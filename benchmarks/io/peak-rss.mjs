/**
 * Preloaded into a measured child process (`node --import`): when it exits, writes its peak resident set
 * size (KiB, `process.resourceUsage().maxRSS`) to the file named by DIFFBATT_PEAK_RSS_FILE, so the number
 * is that process's own, not the benchmark's.
 */
import { writeFileSync } from 'node:fs';

const file = process.env['DIFFBATT_PEAK_RSS_FILE'];
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
