import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands/index.ts';
import type { CliContext } from '../../src/cli/context.ts';
import { checkManifestSignature, signManifest } from '../../src/evidence/sign.ts';
import { buildScenario, removeRepo, type Scenario } from './repo.ts';

const pem = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    private: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    public: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
};
const mine = pem();
const theirs = pem();
const manifest = Buffer.from('{"format":"tollgate-evidence-bundle/v1"}\n');
const at = new Date('2026-02-01T10:00:00.123Z');

describe('manifest signature', () => {
  const doc = signManifest(manifest, mine.private, at);
  const text = JSON.stringify(doc);

  it('signs the manifest hash and a UTC time', () => {
    expect(doc).toMatchObject({ algorithm: 'ed25519', signed_at: '2026-02-01T10:00:00Z' });
    expect(checkManifestSignature(manifest, text, mine.public)).toMatchObject({
      valid: true,
      trusted: true,
      problems: [],
    });
  });

  it.each<[string, Buffer, string | undefined, string | undefined, RegExp]>([
    ['a changed manifest', Buffer.from('{}\n'), text, mine.public, /manifest.json has sha256/],
    ['another signer', manifest, text, theirs.public, /not by the trusted key/],
    [
      'a moved signing time',
      manifest,
      JSON.stringify({ ...doc, signed_at: '2027-01-01T00:00:00Z' }),
      mine.public,
      /does not match/,
    ],
    ['a missing signature when a key is trusted', manifest, undefined, mine.public, /not signed/],
    ['a signature that is not JSON', manifest, 'nope', undefined, /not JSON/],
  ])('refuses %s', (_, bytes, sig, key, problem) => {
    const check = checkManifestSignature(bytes, sig, key);
    expect(check.valid).toBe(false);
    expect(check.problems.join('\n')).toMatch(problem);
  });

  it('refuses a key that is not Ed25519, with the fix', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    expect(() => signManifest(manifest, rsa, at, 'rsa.pem')).toThrow(/rsa.pem is a rsa key, not Ed25519/);
    expect(() => signManifest(manifest, 'not a key', at, 'x.pem')).toThrow(/x.pem is not a PEM private key/);
  });
});

describe('evidence export --sign-key, evidence verify --public-key', () => {
  let s: Scenario;
  const work = mkdtempSync(join(tmpdir(), 'tollgate-sign-'));
  beforeAll(async () => {
    s = await buildScenario();
    writeFileSync(join(work, 'evidence.key'), mine.private);
    writeFileSync(join(work, 'evidence.pub'), mine.public);
    writeFileSync(join(work, 'other.pub'), theirs.public);
  });
  afterAll(() => {
    removeRepo(s.repo);
    rmSync(work, { recursive: true, force: true });
  });
  async function tollgate(...args: string[]) {
    let out = '';
    const context: CliContext = {
      cwd: work,
      repoRoot: s.repo.dir,
      registryDir: join(s.repo.dir, 'registry'),
      env: {},
      now: () => at,
      out: (t) => (out += `${t}\n`),
      err: () => {},
    };
    const [name, ...rest] = args;
    return { code: await commands.find((c) => c.name === name)!.run(rest, context), out };
  }

  it('signs, verifies with the trusted key, and exits 1 on another key or a changed manifest', async () => {
    const exported = await tollgate(
      'evidence',
      'export',
      '--model',
      'fraud',
      '--out',
      'signed',
      '--sign-key',
      'evidence.key',
    );
    expect(exported.out).toContain('manifest.sig.json (Ed25519)');
    const ok = await tollgate('evidence', 'verify', 'signed', '--public-key', 'evidence.pub');
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(
      /signature: valid, Ed25519 key [0-9a-f]{64} \(the trusted key given\), signed 2026-02-01T10:00:00Z/,
    );
    expect((await tollgate('evidence', 'verify', 'signed', '--public-key', 'other.pub')).code).toBe(1);
    const manifestPath = join(work, 'signed', 'manifest.json');
    writeFileSync(manifestPath, readFileSync(manifestPath, 'utf8').replace('"title"', '"title" '));
    const tampered = await tollgate('evidence', 'verify', 'signed');
    expect(tampered.code).toBe(1);
    expect(tampered.out).toContain('signature');
    // An unsigned bundle passes a plain verify (and says so), but not one that demands the key.
    await tollgate('evidence', 'export', '--model', 'fraud', '--out', 'plain');
    const plain = await tollgate('evidence', 'verify', 'plain');
    expect(plain.code).toBe(0);
    expect(plain.out).toContain('signature: none');
    expect((await tollgate('evidence', 'verify', 'plain', '--public-key', 'evidence.pub')).code).toBe(1);
  });
});
