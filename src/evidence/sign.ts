// A detached Ed25519 signature over an evidence bundle's manifest, with the time it was signed: the manifest lists
// every file's SHA-256 and the tarball's, so one signature covers the whole bundle. Written as manifest.sig.json
// beside manifest.json; `tollgate evidence verify` checks it (against a trusted public key when given one).
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { TollgateError } from '../errors.ts';

export const SIGNATURE_FILE = 'manifest.sig.json';
const FORMAT = 'tollgate-evidence-signature/v1';

export interface ManifestSignature {
  format: typeof FORMAT;
  algorithm: 'ed25519';
  /** SHA-256 of manifest.json's bytes. */
  manifest_sha256: string;
  /** UTC, `Z`: when the bundle was signed. It is inside the signed payload, so it cannot be changed alone. */
  signed_at: string;
  /** The signer's public key (SPKI, DER, base64), and its SHA-256 (hex): compare with the key you trust. */
  public_key: string;
  key_id: string;
  /** Ed25519 signature (base64) over signedPayload(manifest_sha256, signed_at). */
  signature: string;
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** What is signed: the format, the manifest's hash and the time, one per line. */
export function signedPayload(manifestSha256: string, signedAt: string): Buffer {
  return Buffer.from(`${FORMAT}\n${manifestSha256}\n${signedAt}\n`);
}

function ed25519Key(text: string, kind: 'private' | 'public', where: string): KeyObject {
  let key: KeyObject;
  try {
    key = kind === 'private' ? createPrivateKey(text) : createPublicKey(text);
  } catch (error) {
    throw new TollgateError(`${where} is not a PEM ${kind} key`, {
      file: where,
      cause: error,
      fix:
        kind === 'private'
          ? 'make one with `openssl genpkey -algorithm ed25519 -out evidence.key` and keep it secret'
          : 'export it with `openssl pkey -in evidence.key -pubout -out evidence.pub`',
    });
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new TollgateError(`${where} is a ${key.asymmetricKeyType ?? 'unknown'} key, not Ed25519`, {
      file: where,
      fix: 'use an Ed25519 key: `openssl genpkey -algorithm ed25519 -out evidence.key`',
    });
  return key;
}

const z = (at: Date) => at.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function signManifest(
  manifest: Buffer,
  privateKeyPem: string,
  at: Date,
  where = 'the signing key',
): ManifestSignature {
  const key = ed25519Key(privateKeyPem, 'private', where);
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const manifestSha256 = sha256(manifest);
  const signedAt = z(at);
  return {
    format: FORMAT,
    algorithm: 'ed25519',
    manifest_sha256: manifestSha256,
    signed_at: signedAt,
    public_key: spki.toString('base64'),
    key_id: sha256(spki),
    signature: sign(null, signedPayload(manifestSha256, signedAt), key).toString('base64'),
  };
}

export interface SignatureCheck {
  /** Whether manifest.sig.json was there. */
  present: boolean;
  valid: boolean;
  signedAt?: string;
  keyId?: string;
  /** True when checked against a key the verifier gave (not only the one the signature carries). */
  trusted: boolean;
  problems: string[];
}

/**
 * Checks a signature document against the manifest's bytes. With `trustedPublicKeyPem` the signer must be that key
 * and a missing signature is a problem; without it the carried key is used (proves the manifest is unchanged since
 * whoever holds that key signed it; compare the key id with the one you expect).
 */
export function checkManifestSignature(
  manifest: Buffer,
  signatureText: string | undefined,
  trustedPublicKeyPem?: string,
  where = 'the public key',
): SignatureCheck {
  const trusted =
    trustedPublicKeyPem === undefined ? undefined : ed25519Key(trustedPublicKeyPem, 'public', where);
  if (signatureText === undefined)
    return {
      present: false,
      valid: false,
      trusted: false,
      problems: trusted ? [`${SIGNATURE_FILE} is missing: the bundle is not signed`] : [],
    };
  let doc: Partial<ManifestSignature>;
  try {
    doc = JSON.parse(signatureText) as Partial<ManifestSignature>;
  } catch {
    return { present: true, valid: false, trusted: false, problems: [`${SIGNATURE_FILE} is not JSON`] };
  }
  const problems: string[] = [];
  if (doc.format !== FORMAT || doc.algorithm !== 'ed25519' || typeof doc.signature !== 'string')
    return {
      present: true,
      valid: false,
      trusted: false,
      problems: [`${SIGNATURE_FILE} is not a Tollgate Ed25519 signature`],
    };
  const actual = sha256(manifest);
  if (doc.manifest_sha256 !== actual)
    problems.push(`manifest.json has sha256 ${actual}; the signature is for ${String(doc.manifest_sha256)}`);
  if (typeof doc.signed_at !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(doc.signed_at))
    problems.push(`${SIGNATURE_FILE} has no UTC signing time`);
  let carried: KeyObject | undefined;
  try {
    carried = createPublicKey({
      key: Buffer.from(String(doc.public_key), 'base64'),
      format: 'der',
      type: 'spki',
    });
  } catch {
    problems.push(`${SIGNATURE_FILE} carries no readable public key`);
  }
  const key = trusted ?? carried;
  const keyDer = key?.export({ type: 'spki', format: 'der' });
  if (trusted && carried && !trusted.equals(carried))
    problems.push(
      `signed by key ${String(doc.key_id).slice(0, 16)}…, not by the trusted key ${sha256(keyDer!).slice(0, 16)}…`,
    );
  const ok =
    key !== undefined &&
    verify(null, signedPayload(actual, String(doc.signed_at)), key, Buffer.from(doc.signature, 'base64'));
  if (!ok && problems.length === 0)
    problems.push('the signature does not match the manifest and its signing time');
  return {
    present: true,
    valid: ok && problems.length === 0,
    ...(typeof doc.signed_at === 'string' ? { signedAt: doc.signed_at } : {}),
    ...(keyDer ? { keyId: sha256(keyDer) } : {}),
    trusted: trusted !== undefined,
    problems,
  };
}
