// Every CLI command, in the order `tollgate help` lists them. One module per command (or command group).
import type { Command } from '../context.ts';
import { auditCommand } from './audit.ts';
import { evidenceCommand } from './evidence.ts';
import { historyCommand } from './history.ts';

export const commands: Command[] = [historyCommand, auditCommand, evidenceCommand];
