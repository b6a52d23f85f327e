// Every CLI command, in the order `tollgate help` lists them. One module per command (or command group).
import type { Command } from '../context.ts';
import { validateCommand } from './validate.ts';

export const commands: Command[] = [validateCommand];
