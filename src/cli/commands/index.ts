// Every CLI command, in the order `tollgate help` lists them. One module per command (or command group).
import { builtinCommands } from '../builtins.ts';
import type { Command } from '../context.ts';
import { appCommand } from './app.ts';
import { auditCommand } from './audit.ts';
import { canaryCommand } from './canary.ts';
import { diffCommand } from './diff.ts';
import { doctorCommand } from './doctor.ts';
import { driftReportCommand } from './drift-report.ts';
import { evidenceCommand } from './evidence.ts';
import { gateCommand } from './gate.ts';
import { historyCommand } from './history.ts';
import { incidentCommand } from './incident.ts';
import { initCommand } from './init.ts';
import { monitorCommand } from './monitor.ts';
import { promoteCommand } from './promote.ts';
import { retrainCommand } from './retrain.ts';
import { retrainsCommand } from './retrains.ts';
import { rollbackCommand, unholdCommand } from './rollback.ts';
import { scheduleCommand } from './schedule.ts';
import { siteCommand } from './site.ts';
import { signoffsCommand } from './signoffs.ts';
import { train } from './train.ts';
import { validateCommand } from './validate.ts';
import { versionsCommand } from './versions.ts';
import { verifyRollbackCommand } from './verify-rollback.ts';

export const commands: Command[] = [
  initCommand,
  doctorCommand,
  appCommand,
  validateCommand,
  diffCommand,
  gateCommand,
  signoffsCommand,
  scheduleCommand,
  retrainCommand,
  retrainsCommand,
  train,
  promoteCommand,
  canaryCommand,
  incidentCommand,
  monitorCommand,
  driftReportCommand,
  rollbackCommand,
  unholdCommand,
  verifyRollbackCommand,
  historyCommand,
  versionsCommand,
  auditCommand,
  evidenceCommand,
  siteCommand,
];

/** The commands plus `help` and `completion`, which are about the others. */
export const allCommands: Command[] = [...commands, ...builtinCommands(commands)];
