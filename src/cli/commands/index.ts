// Every CLI command, in the order `tollgate help` lists them. One module per command (or command group).
import type { Command } from '../context.ts';
import { incidentCommand } from './incident.ts';
import { rollbackCommand, unholdCommand } from './rollback.ts';

export const commands: Command[] = [incidentCommand, rollbackCommand, unholdCommand];
