// Commit messages Tollgate writes: a text, a blank line, then `Key: value` trailers that `git log` alone can read.
import { TollgateError } from '../errors.ts';

export type Trailers = Record<string, string | string[]>;

export interface Author {
  name: string;
  email: string;
}

const TRAILER_KEY = /^[A-Za-z][A-Za-z0-9-]*$/;

/** The commit message: the text, a blank line, then one `Key: value` line per trailer value. */
export function formatCommitMessage(message: string, trailers: Trailers): string {
  const text = message.replace(/\r\n/g, '\n').trim();
  if (text === '') throw new TollgateError('commit message is empty', { fix: 'pass a message' });
  const lines: string[] = [];
  for (const [key, raw] of Object.entries(trailers)) {
    if (!TRAILER_KEY.test(key)) {
      throw new TollgateError(`trailer key "${key}" is not a single word of letters, digits and "-"`, {
        field: key,
        fix: 'use a trailer key like "Tollgate-Event"',
      });
    }
    for (const value of Array.isArray(raw) ? raw : [raw]) {
      if (/[\r\n]/.test(value)) {
        throw new TollgateError(`trailer ${key} holds a newline: ${JSON.stringify(value)}`, {
          field: key,
          fix: 'trailer values are one line; put longer text in the message body',
        });
      }
      if (value.trim() === '') continue;
      lines.push(`${key}: ${value.trim()}`);
    }
  }
  return lines.length === 0 ? `${text}\n` : `${text}\n\n${lines.join('\n')}\n`;
}
