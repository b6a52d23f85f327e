// Questions the CLI asks in a terminal, on stderr so that stdout stays the command's output.
import { createInterface } from 'node:readline/promises';

async function question(text: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(text)).trim();
  } finally {
    rl.close();
  }
}

/** The answer, or `fallback` (shown in brackets) when the answer is empty. */
export async function ask(text: string, fallback: string): Promise<string> {
  const answer = await question(`${text} [${fallback}]: `);
  return answer === '' ? fallback : answer;
}

/** True only for an explicit yes: the default is no. */
export async function confirm(text: string): Promise<boolean> {
  return /^y(es)?$/i.test(await question(`${text} [y/N] `));
}
