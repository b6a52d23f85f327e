// The largest numbers the runtime turns into dates and timers. The schemas carry them as maxima, so a value
// that validates is one the scheduler, the retrain runner and the rollback planner can compute with.

/**
 * Longest duration in seconds (intervals, cooldowns, pauses, stable_for, jitter): ten years. Any registry time
 * (years up to 9999) plus this stays a date JavaScript represents, far inside its ±275,000-year range.
 */
export const MAX_DURATION_SECONDS = 10 * 365 * 86_400;

/** Longest training timeout in seconds: 24 days, under Node's 2^31−1 ms timer limit (a longer one fires at once). */
export const MAX_TRAINING_TIMEOUT_SECONDS = 24 * 86_400;

/** Cooldown growth per failure and failure counts: enough for any policy, small enough to stay exact. */
export const MAX_COOLDOWN_FACTOR = 1_000;
export const MAX_FAILURE_COUNT = 1_000_000;
