// Conditional requests: every GET the client sends carries `If-None-Match` with the ETag GitHub gave for the same
// URL before, and a 304 answer (which GitHub does not count against the primary rate limit) is served from the body
// kept with that ETag. A gate re-run on an unchanged pull request then spends almost none of the token's budget on
// reads. The cache lives in the process and, when given a file, in a small JSON file loaded before and saved after.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { getOctokit } from '@actions/github';

/** The client's Octokit (client.ts), named here without importing client.ts, which imports this module. */
type GitHubOctokit = ReturnType<typeof getOctokit>;

interface EtagEntry {
  etag: string;
  /** The response body GitHub sent with this ETag: what a 304 means again. */
  data: unknown;
  /** The pagination header, so a paginated listing served from the cache still finds its next page. */
  link?: string;
}

interface EtagFile {
  version: 1;
  entries: [string, EtagEntry][];
}

/** Enough for a gate run's lookups on many pull requests; the least recently used are dropped past it. */
const MAX_ENTRIES = 2000;

export interface EtagStats {
  /** GETs sent with If-None-Match. */
  conditional: number;
  /** Of those, answered 304 and served from the cache. */
  notModified: number;
}

export class EtagCache {
  readonly stats: EtagStats = { conditional: 0, notModified: 0 };
  /** Where the cache persists between runs; undefined for an in-process cache. */
  readonly file: string | undefined;
  private readonly entries: Map<string, EtagEntry>;

  private constructor(entries: [string, EtagEntry][], file: string | undefined) {
    this.entries = new Map(entries);
    this.file = file;
  }

  /** The cache kept in `file` (see load), or an in-process one when no file is named. */
  static async open(file: string | undefined): Promise<EtagCache> {
    return file ? EtagCache.load(file) : EtagCache.inMemory();
  }

  /** An in-process cache: conditional requests within one run. */
  static inMemory(): EtagCache {
    return new EtagCache([], undefined);
  }

  /**
   * The cache kept in `file` by an earlier run, or an empty one when there is none yet. A file that cannot be read
   * as a cache (another version, a truncated write) is ignored: a cache only saves calls, it never decides.
   */
  static async load(file: string): Promise<EtagCache> {
    let entries: [string, EtagEntry][] = [];
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<EtagFile>;
      if (parsed.version === 1 && Array.isArray(parsed.entries))
        entries = parsed.entries.filter(
          (e): e is [string, EtagEntry] =>
            Array.isArray(e) && typeof e[0] === 'string' && typeof e[1]?.etag === 'string',
        );
    } catch {
      // No cache yet, or one this version cannot read: start empty.
    }
    return new EtagCache(entries, file);
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): EtagEntry | undefined {
    const entry = this.entries.get(key);
    if (entry) {
      // Most recently used last, so the oldest are the first dropped.
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry;
  }

  set(key: string, entry: EtagEntry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Writes the cache to its file (write then rename, so a reader never sees half of it); no-op in memory. */
  async save(): Promise<void> {
    if (!this.file) return;
    const body: EtagFile = { version: 1, entries: [...this.entries] };
    await mkdir(dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(body));
    await rename(temporary, this.file);
  }
}

/** The cache key: method, full URL (query and page included) and the media type asked for. */
function keyOf(method: string, url: string, accept: string | undefined): string {
  return `${method} ${url} ${accept ?? ''}`;
}

/**
 * Registers the conditional-request hook on `octokit`. Register it before any hook that turns errors into
 * messages: Octokit reports a 304 as a RequestError, which this hook answers from the cache.
 */
export function useEtagCache(octokit: GitHubOctokit, cache: EtagCache): void {
  octokit.hook.wrap('request', async (request, options) => {
    const method = (options.method ?? 'GET').toUpperCase();
    if (method !== 'GET') return request(options);
    const parsed = octokit.request.endpoint.parse(options);
    const key = keyOf(method, parsed.url, parsed.headers.accept);
    const known = cache.get(key);
    if (known) cache.stats.conditional++;
    try {
      // Set on the options themselves: Octokit's hook chain hands each inner hook the options it was called with.
      if (known) (options.headers as Record<string, string>)['if-none-match'] = known.etag;
      const response = await request(options);
      const etag = response.headers.etag;
      if (typeof etag === 'string' && response.status === 200)
        cache.set(key, {
          etag,
          data: response.data,
          ...(response.headers.link ? { link: response.headers.link } : {}),
        });
      return response;
    } catch (error) {
      if (!known || (error as { status?: unknown }).status !== 304) throw error;
      cache.stats.notModified++;
      const answered = (error as { response?: { url?: string; headers?: Record<string, string> } }).response;
      return {
        status: 200,
        url: answered?.url ?? parsed.url,
        headers: {
          ...answered?.headers,
          etag: known.etag,
          ...(known.link ? { link: known.link } : {}),
        },
        // A copy: a caller that changes the answer must not change what the next 304 serves.
        data: structuredClone(known.data),
      } as Awaited<ReturnType<typeof request>>;
    }
  });
}
