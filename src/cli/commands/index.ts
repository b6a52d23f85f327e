// Every CLI command, in the order `tollgate help` lists them. One module per command (or command group).
import type { Command } from '../context.ts';
import { rollbackCommand, unholdCommand } from './rollback.ts';

export const commands: Command[] = [rollbackCommand, unholdCommand];
