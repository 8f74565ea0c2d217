import { z } from 'zod';
import type { LedgerConfig } from '../config.js';
import { LedgerError } from '../errors.js';
import type { LedgerTables } from '../store/ledgerTables.js';
import { failureResponse, jsonResponse, paramProblemResponse } from './apiResponses.js';
import { readQuery, type ParamDoc, type ParamReader, type ParamProblem } from './params.js';

/**
 * One route of the HTTP API, independent of @azure/functions (src/functions/httpApi.ts adapts it to
 * the host; tests call it directly). A route reads its path and query parameters with ParamReaders
 * (zod schemas, the same the CLI flags go through where there is one), answers from the ledger with
 * the same function the CLI command calls, and knows how to describe itself in the OpenAPI document.
 */
export interface ApiLedger {
  readonly tables: LedgerTables;
  readonly config: LedgerConfig;
}

/** An HTTP request as a route sees it: path parameters by name, and the query string as sent. */
export interface ApiRequest {
  readonly path: ReadonlyMap<string, string>;
  /** Every name=value pair in order, repeats included (a repeated parameter is a 400, not a guess). */
  readonly query: readonly (readonly [string, string])[];
}

export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
  /** Set for a text body (a CSV export): the adapters send it as it is, under the Content-Type in `headers`; `body` is then null. */
  readonly textBody?: string;
}

/** What a route needs from the invocation: the ledger (opened only once the parameters are good), the clock and a log. */
export interface ApiInvocation {
  readonly ledger: () => Promise<ApiLedger>;
  readonly now: Date;
  readonly log: (message: string) => void;
}

/** A route's answer: the document, a text body of the route's `text` type, or "nothing there" naming the parameter that found nothing (404). */
export type RouteAnswer =
  | { readonly kind: 'found'; readonly body: unknown }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'missing'; readonly problem: ParamProblem };

export const found = (body: unknown): RouteAnswer => ({ kind: 'found', body });
export const foundText = (text: string): RouteAnswer => ({ kind: 'text', text });
export const missing = (param: string, reason: string): RouteAnswer => ({ kind: 'missing', problem: { param, reason } });

export interface ApiRoute {
  /** The function's name in Azure: function keys are per function, so a name never changes. */
  readonly name: string;
  /** The Functions route template, below /api (e.g. "messages/{messageId}"). */
  readonly route: string;
  readonly summary: string;
  readonly description: string;
  readonly parameters: readonly ParamDoc[];
  /** The 200 body. */
  readonly response: z.ZodType;
  /** When the route can answer 404, what it means. */
  readonly notFound: string | null;
  /** A text form of the 200 (e.g. CSV for ?format=csv): its media type and what it holds. */
  readonly text: TextForm | null;
  handle(request: ApiRequest, invocation: ApiInvocation): Promise<ApiResponse>;
}

export interface TextForm {
  /** The Content-Type sent, e.g. "text/csv; charset=utf-8"; its media type goes into the OpenAPI document. */
  readonly contentType: string;
  readonly description: string;
}

export interface RouteSpec<P, Q> {
  readonly name: string;
  readonly route: string;
  readonly summary: string;
  readonly description?: string;
  readonly path: ParamReader<P>;
  readonly query: ParamReader<Q>;
  readonly response: z.ZodType;
  readonly notFound?: string;
  readonly text?: TextForm;
  /** Reads the ledger only when `ledger` is called: the openapi.json route never does. */
  readonly answer: (input: { readonly path: P; readonly query: Q }, invocation: ApiInvocation) => Promise<RouteAnswer>;
}

export function defineRoute<P, Q>(spec: RouteSpec<P, Q>): ApiRoute {
  return {
    name: spec.name,
    route: spec.route,
    summary: spec.summary,
    description: spec.description ?? '',
    parameters: [...spec.path.docs, ...spec.query.docs],
    response: spec.response,
    notFound: spec.notFound ?? null,
    text: spec.text ?? null,
    async handle(request, invocation) {
      const context = { now: invocation.now, path: request.path };
      const path = spec.path.read(request.path, context);
      if (!path.ok) return paramProblemResponse(400, path.problem);
      const values = readQuery(request.query, spec.query.docs);
      if (!values.ok) return paramProblemResponse(400, values.problem);
      const query = spec.query.read(values.value, context);
      if (!query.ok) return paramProblemResponse(400, query.problem);
      try {
        const answer = await spec.answer({ path: path.value, query: query.value }, invocation);
        if (answer.kind === 'text') {
          if (spec.text === undefined) throw new LedgerError('usage', `route ${spec.route} answered text but declares no text form`, { context: { route: spec.route } });
          return { status: 200, body: null, headers: { 'Content-Type': spec.text.contentType }, textBody: answer.text };
        }
        return answer.kind === 'found' ? jsonResponse(200, answer.body) : paramProblemResponse(404, answer.problem);
      } catch (error) {
        return failureResponse(error, { route: spec.route, log: invocation.log });
      }
    },
  };
}
