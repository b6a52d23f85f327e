// A deterministic .tar.gz: ustar headers of our own, entries sorted, one fixed mtime, fixed owner and mode, so the
// same files always give the same bytes (and so the same hash in the bundle manifest).
import { gzipSync } from 'node:zlib';
import { TollgateError } from '../errors.ts';

export interface TarEntry {
  path: string;
  data: Buffer;
}

const BLOCK = 512;

function octal(value: number, width: number): string {
  // width - 1 digits and a NUL, as ustar readers expect.
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** ustar keeps names of up to 100 bytes, or a prefix of up to 155 bytes split at a `/`. */
function splitName(path: string): { name: string; prefix: string } {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: '' };
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== '')
      return { name, prefix };
  }
  throw new TollgateError(`tar: the path ${path} is too long for a ustar archive`);
}

function header(path: string, size: number, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  const { name, prefix } = splitName(path);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(0o644, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(mtime, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write('0', 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write('root', 265, 'ascii');
  h.write('root', 297, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

/** The uncompressed archive: entries sorted by path, every file with `mtime` (seconds since the epoch). */
export function ustar(entries: TarEntry[], mtime: number): Buffer {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const parts: Buffer[] = [];
  for (const e of sorted) {
    if (e.data.length >= 8 ** 11) throw new TollgateError(`tar: ${e.path} is too large for a ustar archive`);
    parts.push(header(e.path, e.data.length, Math.max(0, Math.floor(mtime))), e.data);
    const pad = (BLOCK - (e.data.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad, 0));
  }
  parts.push(Buffer.alloc(BLOCK * 2, 0));
  return Buffer.concat(parts);
}

export function tarGz(entries: TarEntry[], mtime: number): Buffer {
  return gzipSync(ustar(entries, mtime), { level: 9 });
}

function field(block: Buffer, at: number, length: number): string {
  const raw = block.subarray(at, at + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? raw.length : end).toString('utf8');
}

/**
 * The regular files of an uncompressed ustar archive (the kind ustar() writes; directories, links and other
 * entries are skipped). Fails on a header whose checksum does not add up: a damaged archive is never half-read.
 */
export function readUstar(archive: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  for (let at = 0; at + BLOCK <= archive.length;) {
    const h = archive.subarray(at, at + BLOCK);
    if (h.every((byte) => byte === 0)) break;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    if (sum !== parseInt(field(h, 148, 8).trim(), 8))
      throw new TollgateError(`tar: the header at byte ${at} is damaged (checksum mismatch)`);
    const size = parseInt(field(h, 124, 12).trim() || '0', 8);
    const name = field(h, 0, 100);
    const prefix = field(h, 345, 155);
    const type = field(h, 156, 1);
    const start = at + BLOCK;
    if (start + size > archive.length) throw new TollgateError(`tar: ${name} is cut short`);
    if (type === '0' || type === '')
      entries.push({
        path: prefix ? `${prefix}/${name}` : name,
        data: archive.subarray(start, start + size),
      });
    at = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  return entries;
}
