// Validation of a large registry says on stderr that it is still working: every tenth of the files read.
import { describe, expect, it } from 'vitest';
import { progressReader } from '../../src/registry/validate-flow.ts';
import type { RegistryReader } from '../../src/registry/types.ts';

function memoryReader(count: number): RegistryReader {
  const paths = Array.from({ length: count }, (_, i) => `models/m${i}/model.yaml`);
  return {
    label: 'memory',
    list: async () => paths,
    read: async (path) => (paths.includes(path) ? Buffer.from('kind: Model\n') : undefined),
  };
}

async function readAll(count: number, from: number): Promise<string[]> {
  const messages: string[] = [];
  const reader = progressReader(memoryReader(count), (m) => messages.push(m), from);
  for (const path of await reader.list('')) await reader.read(path);
  return messages;
}

describe('progressReader', () => {
  it.each([
    { count: 30, from: 10, reports: 10, last: 'validate: 30/30 files read' },
    { count: 25, from: 10, reports: 10, last: 'validate: 25/25 files read' },
    { count: 9, from: 10, reports: 0, last: undefined },
    { count: 0, from: 0, reports: 0, last: undefined },
  ])('$count files, reporting from $from: $reports reports', async ({ count, from, reports, last }) => {
    const messages = await readAll(count, from);
    expect(messages).toHaveLength(reports);
    expect(messages.at(-1)).toBe(last);
  });

  it('reads what the inner reader reads, and reports nothing for a listing below the root', async () => {
    const messages: string[] = [];
    const reader = progressReader(memoryReader(50), (m) => messages.push(m), 10);
    await reader.list('models');
    expect(await reader.read('models/m1/model.yaml')).toEqual(Buffer.from('kind: Model\n'));
    expect(await reader.read('nope.yaml')).toBeUndefined();
    expect(messages).toEqual([]);
  });
});
