/** Learning-rate schedule of a training run: linear warm-up, then constant or cosine decay. */
export interface LearningRateSchedule {
  /** The rate after warm-up (the optimiser's nominal rate). */
  peak: number;
  /** Steps over which the rate rises linearly from peak / warmupSteps to peak; 0 = no warm-up. */
  warmupSteps: number;
  /** 'constant' keeps the peak after warm-up; 'cosine' decays it to `finalFraction * peak` at `totalSteps`. */
  decay: 'constant' | 'cosine';
  /** Step count the cosine decay ends at (the run's fixed budget). */
  totalSteps: number;
  /** Share of the peak that the cosine decay ends at (default 0). */
  finalFraction?: number;
}

/**
 * The rate of 1-based step `step` (as diffusers' `get_cosine_schedule_with_warmup`, plus a floor): warm-up
 * avoids the large first Adam steps of a fresh network; the cosine decay lets the weights settle by the
 * end of a fixed budget instead of hovering at the noise level of a constant rate.
 */
export function learningRateAt(schedule: LearningRateSchedule, step: number): number {
  const { peak, warmupSteps, decay, totalSteps } = schedule;
  if (!(step >= 1)) throw new RangeError(`learning-rate step must be >= 1, got ${step}`);
  if (step <= warmupSteps) return (peak * step) / warmupSteps;
  if (decay === 'constant') return peak;
  const floor = schedule.finalFraction ?? 0;
  const span = Math.max(1, totalSteps - warmupSteps);
  const progress = Math.min(1, (step - warmupSteps) / span);
  return peak * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}
