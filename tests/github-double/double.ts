// A stateful GitHub API double on msw: routes by GitHub's OpenAPI templates, injectable faults, and a
// record of every response so the suite can check them against GitHub's published schemas.
import { createHash } from 'node:crypto';
import { delay, http, HttpResponse, type HttpHandler } from 'msw';
import type { GitHubState } from './state.ts';
import { errorReply, ROUTES, type Reply, type Route } from './routes.ts';
import { answerGraphql } from './graphql.ts';

export type Fault =
  /** A 5xx answer (default 502). */
  | { kind: 'server-error'; status?: number }
  /** GitHub's secondary rate limit: 403 (or 429) with retry-after. */
  | { kind: 'secondary-rate-limit'; retryAfter?: number; status?: 403 | 429 }
  /** The primary (hourly) limit: 403 with x-ratelimit-remaining 0 and a reset time. */
  | { kind: 'rate-limit'; resetInSeconds?: number }
  /** A bare 429 with retry-after. */
  | { kind: 'too-many-requests'; retryAfter?: number }
  | { kind: 'not-found' }
  | { kind: 'forbidden'; message?: string }
  /** 422 "already exists" without touching the state. */
  | { kind: 'already-exists'; message?: string }
  /** The request is served normally after a delay. */
  | { kind: 'slow'; delayMs: number }
  /** The request takes effect but the answer is lost (a 502 after the write): the worst case for re-runs. */
  | { kind: 'lost-response'; status?: number };

export interface RecordedResponse {
  method: string;
  template: string;
  status: number;
  body: unknown;
  /** The JSON body the client sent, if any. */
  requestBody?: unknown;
}

export interface ServedRequest {
  method: string;
  template: string;
  status: number;
  fault?: Fault['kind'];
}

export const GRAPHQL_TEMPLATE = '/graphql';

interface CompiledRoute extends Route {
  pattern: RegExp;
  names: string[];
}

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const segments = route.template.split('/');
  const source = segments
    .map((segment, index) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (!param) return segment.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
      names.push(param[1]!);
      // A ref or a file path is the last segment and may contain slashes (heads/feature/x, .github/workflows).
      return (param[1] === 'ref' || param[1] === 'path') && index === segments.length - 1
        ? '(.+)'
        : '([^/]+)';
    })
    .join('/');
  return { ...route, pattern: new RegExp(`^${source}$`), names };
}

const COMPILED = ROUTES.map(compile);

function faultReply(fault: Fault): Reply {
  switch (fault.kind) {
    case 'server-error':
    case 'lost-response':
      return errorReply(fault.status ?? 502, 'Server Error');
    case 'secondary-rate-limit':
      return {
        ...errorReply(
          fault.status ?? 403,
          'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        ),
        headers: { 'retry-after': String(fault.retryAfter ?? 60) },
      };
    case 'rate-limit':
      return {
        ...errorReply(403, 'API rate limit exceeded for installation ID 1.'),
        headers: {
          'x-ratelimit-limit': '1000',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + (fault.resetInSeconds ?? 60)),
        },
      };
    case 'too-many-requests':
      return {
        ...errorReply(429, 'Too Many Requests'),
        headers: { 'retry-after': String(fault.retryAfter ?? 60) },
      };
    case 'not-found':
      return errorReply(404, 'Not Found');
    case 'forbidden':
      return errorReply(403, fault.message ?? 'Resource not accessible by integration');
    case 'already-exists':
      return errorReply(422, fault.message ?? 'Validation Failed', {
        errors: [{ resource: 'Resource', code: 'already_exists' }],
      });
    case 'slow':
      throw new Error('slow is not an answer');
  }
}

export class GitHubDouble {
  readonly state: GitHubState;
  /** The REST base URL clients should use: https://api.github.com, or https://HOST/api/v3 for GHES. */
  readonly baseUrl: string;
  readonly records: RecordedResponse[] = [];
  readonly served: ServedRequest[] = [];
  private readonly faults = new Map<string, Fault[]>();

  constructor(state: GitHubState, baseUrl = 'https://api.github.com') {
    this.state = state;
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  /** The next `times` requests to `METHOD template` get `fault` instead of (or before) the normal answer. */
  fault(method: string, template: string, fault: Fault, times = 1): void {
    const key = `${method.toUpperCase()} ${template}`;
    if (template !== GRAPHQL_TEMPLATE && !ROUTES.some((route) => `${route.method} ${route.template}` === key))
      throw new Error(`the double does not serve ${key}, so it cannot fail it`);
    this.faults.set(key, [...(this.faults.get(key) ?? []), ...Array.from({ length: times }, () => fault)]);
  }

  /** Drops every fault not yet served: GitHub answers normally again. */
  clearFaults(): void {
    this.faults.clear();
  }

  /** How many requests were served for `METHOD template` (faults included). */
  count(method: string, template: string): number {
    return this.served.filter((request) => request.method === method && request.template === template).length;
  }

  handlers(): HttpHandler[] {
    const base = new URL(this.baseUrl);
    const restPath = base.pathname.replace(/\/+$/, '');
    const graphqlPath = restPath.endsWith('/api/v3')
      ? `${restPath.slice(0, -3)}/graphql`
      : `${restPath}/graphql`;
    return [
      http.all(`${base.origin}/*`, async ({ request }) => {
        const url = new URL(request.url);
        const method = request.method.toUpperCase();
        if (url.pathname === graphqlPath && method === 'POST') return this.serveGraphql(request);
        if (!url.pathname.startsWith(`${restPath}/`)) return undefined;
        const path = url.pathname.slice(restPath.length);
        for (const route of COMPILED) {
          if (route.method !== method) continue;
          const match = route.pattern.exec(path);
          if (!match) continue;
          const params = Object.fromEntries(
            route.names.map((name, index) => [name, decodeURIComponent(match[index + 1] ?? '')]),
          );
          return this.serve(route, params, request, url);
        }
        // Not a route the double knows: unhandled, so msw's onUnhandledRequest 'error' fails the test.
        return undefined;
      }),
    ];
  }

  /** Every request spends one from the token's hourly budget; an empty budget answers the primary limit. */
  private spend(): Fault | undefined {
    const budget = this.state.rateLimit;
    if (budget.remaining <= 0) return { kind: 'rate-limit', resetInSeconds: budget.resetInSeconds };
    budget.remaining -= 1;
    return undefined;
  }

  private respond(reply: Reply): Response {
    const budget = this.state.rateLimit;
    return respond({
      ...reply,
      headers: {
        'x-ratelimit-limit': String(budget.limit),
        'x-ratelimit-remaining': String(budget.remaining),
        'x-ratelimit-used': String(budget.limit - budget.remaining),
        'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + budget.resetInSeconds),
        'x-ratelimit-resource': 'core',
        ...reply.headers,
      },
    });
  }

  private takeFault(key: string): Fault | undefined {
    const queue = this.faults.get(key);
    return queue?.shift();
  }

  private async serve(route: CompiledRoute, params: Record<string, string>, request: Request, url: URL) {
    const key = `${route.method} ${route.template}`;
    let fault = this.spend() ?? this.takeFault(key);
    if (fault?.kind === 'slow') {
      await delay(fault.delayMs);
      fault = undefined;
    }
    if (fault && fault.kind !== 'lost-response') {
      const reply = faultReply(fault);
      this.served.push({
        method: route.method,
        template: route.template,
        status: reply.status,
        fault: fault.kind,
      });
      return this.respond(reply);
    }
    const text = await request.text();
    const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    const token = /^(?:token|bearer)\s+(\S+)$/i.exec(request.headers.get('authorization') ?? '')?.[1];
    const reply = await route.handle({
      state: this.state,
      params,
      query: url.searchParams,
      body,
      url,
      api: this.baseUrl,
      ...(token ? { token } : {}),
    });
    // GitHub sends an ETag with each GET answer and, asked again with it in If-None-Match while the answer is the
    // same, answers 304 without a body, which it does not count against the primary rate limit.
    const etag =
      route.method === 'GET' && reply.status === 200 && reply.body !== undefined && !fault
        ? `W/"${createHash('sha256').update(JSON.stringify(reply.body)).digest('hex')}"`
        : undefined;
    if (etag && ifNoneMatch(request.headers.get('if-none-match'), etag)) {
      this.state.rateLimit.remaining += 1;
      this.served.push({ method: route.method, template: route.template, status: 304 });
      return this.respond({ status: 304, headers: { etag } });
    }
    this.records.push({
      method: route.method,
      template: route.template,
      status: reply.status,
      body: reply.body,
      ...(text ? { requestBody: body } : {}),
    });
    if (fault) {
      const lost = faultReply(fault);
      this.served.push({
        method: route.method,
        template: route.template,
        status: lost.status,
        fault: fault.kind,
      });
      return this.respond(lost);
    }
    this.served.push({ method: route.method, template: route.template, status: reply.status });
    return this.respond(etag ? { ...reply, headers: { ...reply.headers, etag } } : reply);
  }

  private async serveGraphql(request: Request) {
    const key = `POST ${GRAPHQL_TEMPLATE}`;
    let fault = this.spend() ?? this.takeFault(key);
    if (fault?.kind === 'slow') {
      await delay(fault.delayMs);
      fault = undefined;
    }
    if (fault) {
      const reply = faultReply(fault);
      this.served.push({
        method: 'POST',
        template: GRAPHQL_TEMPLATE,
        status: reply.status,
        fault: fault.kind,
      });
      return this.respond(reply);
    }
    const { query, variables } = (await request.json()) as {
      query: string;
      variables?: Record<string, unknown>;
    };
    const reply = await answerGraphql(this.state, query, variables ?? {});
    this.served.push({ method: 'POST', template: GRAPHQL_TEMPLATE, status: reply.status });
    return this.respond(reply);
  }
}

/** If-None-Match holds `etag` (a list, weak or strong, or `*`). */
function ifNoneMatch(header: string | null, etag: string): boolean {
  if (!header) return false;
  const strip = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || strip(tag) === strip(etag));
}

function respond(reply: Reply): Response {
  if (reply.body === undefined)
    return new HttpResponse(null, { status: reply.status, headers: reply.headers });
  return HttpResponse.json(reply.body as Record<string, unknown>, {
    status: reply.status,
    headers: reply.headers,
  });
}
