// The retrain as both faces start it: the mode picks the flow (all: train and record in one job; train: train and
// report only, in a job without a write token; record: check the training job's report and record), and the job's
// SIGINT/SIGTERM stop the training command as a timeout would.
import {
  runRecordStep,
  runRetrainFlow,
  runTrainStep,
  type RetrainFlowInput,
  type RetrainOutcome,
  type TrainStepOutcome,
} from './flow.ts';
import type { RetrainMode } from './trigger.ts';

export type ModeOutcome =
  { mode: 'train'; outcome: TrainStepOutcome } | { mode: 'all' | 'record'; outcome: RetrainOutcome };

/** Runs `run` with a signal that SIGINT or SIGTERM aborts; the handlers are gone when it settles. */
export async function cancelledBySignals<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const cancel = () => controller.abort();
  process.once('SIGINT', cancel);
  process.once('SIGTERM', cancel);
  try {
    return await run(controller.signal);
  } finally {
    process.off('SIGINT', cancel);
    process.off('SIGTERM', cancel);
  }
}

/** The flow for `mode`; `record` needs the training job's handoff (its report and the downloaded folder). */
export async function runRetrainMode(
  mode: RetrainMode,
  input: Omit<RetrainFlowInput, 'signal'>,
  handoff: { report: string; outputDir: string },
): Promise<ModeOutcome> {
  return cancelledBySignals(async (signal) => {
    if (mode === 'train') return { mode, outcome: await runTrainStep({ ...input, signal }) };
    if (mode === 'record') return { mode, outcome: await runRecordStep({ ...input, signal }, handoff) };
    return { mode, outcome: await runRetrainFlow({ ...input, signal }) };
  });
}
