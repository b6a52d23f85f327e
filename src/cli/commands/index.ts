// Every CLI command, in the order `tollgate help` lists them. One module per command (or command group).
import type { Command } from '../context.ts';
import { auditCommand } from './audit.ts';
import { diffCommand } from './diff.ts';
import { evidenceCommand } from './evidence.ts';
import { historyCommand } from './history.ts';
import { incidentCommand } from './incident.ts';
import { retrainCommand } from './retrain.ts';
import { rollbackCommand, unholdCommand } from './rollback.ts';
import { scheduleCommand } from './schedule.ts';
import { train } from './train.ts';
import { validateCommand } from './validate.ts';

export const commands: Command[] = [
  validateCommand,
  diffCommand,
  train,
  retrainCommand,
  scheduleCommand,
  incidentCommand,
  rollbackCommand,
  unholdCommand,
  historyCommand,
  auditCommand,
  evidenceCommand,
];
