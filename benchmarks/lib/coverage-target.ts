/**
 * Issue 19's calibration target: calibrated 80 % and 95 % life intervals cover within 5 percentage points of
 * their nominal level (judged on the mean over sampling seeds).
 */
const TARGET_LEVELS = [0.8, 0.95] as const;
const TOLERANCE_POINTS = 5;

/** Whether the mean coverage, in percent, that `coveragePercentAt(level)` gives meets the target at every level. */
export function meetsCoverageTarget(coveragePercentAt: (level: number) => number): boolean {
  return TARGET_LEVELS.every((level) => Math.abs(coveragePercentAt(level) - 100 * level) <= TOLERANCE_POINTS);
}
