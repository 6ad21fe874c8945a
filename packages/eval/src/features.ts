import { firstIndexNotAbove } from './protocol.js';

/** Turns one curve, as SOH % at cycles 1..2560, into a feature vector for the synthesis metrics. */
export interface SohFeatureMap {
  /** Stable name recorded in results, so numbers from different feature maps are never compared. */
  id: string;
  features(sohPercent: ArrayLike<number>): Float64Array;
}

/** SOH levels (%) whose first-reaching cycles make up the default feature vector. */
export const SOH_FEATURE_THRESHOLDS = [98, 95, 90, 85, 80] as const;

/**
 * Default feature map `soh-thresholds-v1`: for each of SOH 98, 95, 90, 85 and 80 %, the first cycle at
 * which the curve is at or below it, in hundreds of cycles (cycle 1 -> 0.01; never -> 25.6). The reference's
 * padding after its last measured cycle counts as reaching every level. Five numbers describe how early
 * and how steeply a cell fades (the knee) in one unit, so Euclidean distances and covariances compare like
 * with like, and five dimensions keep the covariances well conditioned for splits of a few dozen cells.
 */
export const sohThresholdFeatures: SohFeatureMap = {
  id: 'soh-thresholds-v1',
  features(sohPercent) {
    return Float64Array.from(SOH_FEATURE_THRESHOLDS, (threshold) => {
      const index = firstIndexNotAbove(sohPercent, threshold);
      return (index < 0 ? sohPercent.length : index + 1) / 100;
    });
  },
};
