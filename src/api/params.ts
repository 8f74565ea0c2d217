import { z } from 'zod';

/**
 * Request parameters: read with zod schemas, every failure a value naming the parameter (the HTTP
 * API's 400 `{"error", "param"}`), never an exception and never a storage call.
 */
export interface ParamProblem {
  readonly param: string;
  readonly reason: string;
}

export type ParamResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: ParamProblem };

export const paramOk = <T>(value: T): ParamResult<T> => ({ ok: true, value });
export const paramProblem = <T>(param: string, reason: string): ParamResult<T> => ({ ok: false, problem: { param, reason } });

/** One documented parameter, as the OpenAPI document lists it. */
export interface ParamDoc {
  readonly name: string;
  readonly in: 'path' | 'query';
  readonly required: boolean;
  readonly description: string | null;
  /** JSON Schema (draft 2020-12) of the parameter's text. */
  readonly schema: Readonly<Record<string, unknown>>;
}

/** What a reader may need besides the values: relative times resolve against `now`; query readers see the path. */
export interface ParamContext {
  readonly now: Date;
  readonly path: ReadonlyMap<string, string>;
}

export interface ParamReader<T> {
  readonly docs: readonly ParamDoc[];
  read(values: ReadonlyMap<string, string>, context: ParamContext): ParamResult<T>;
}

/** Azure's function key may come as `?code=`: the host checks it, so it is no parameter of any route. */
const FUNCTION_KEY_PARAM = 'code';

/** The query string as one value per name: a repeated or unknown name is a problem, not a guess. */
export function readQuery(entries: readonly (readonly [string, string])[], docs: readonly ParamDoc[]): ParamResult<ReadonlyMap<string, string>> {
  const known = new Set(docs.filter((d) => d.in === 'query').map((d) => d.name));
  const values = new Map<string, string>();
  for (const [name, value] of entries) {
    if (name === FUNCTION_KEY_PARAM) continue;
    if (!known.has(name)) return paramProblem(name, `unknown query parameter; this route takes ${known.size === 0 ? 'none' : [...known].join(', ')}`);
    if (values.has(name)) return paramProblem(name, 'given more than once');
    values.set(name, value);
  }
  return paramOk(values);
}

/**
 * A reader from a zod object whose fields take the parameters' text (each field may transform it):
 * the documentation comes from the same schema, so the two cannot disagree.
 */
export function zodParams<S extends z.ZodObject>(location: 'path' | 'query', schema: S): ParamReader<z.output<S>> {
  const json = z.toJSONSchema(schema, { io: 'input' }) as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  const required = new Set(json.required ?? []);
  const docs = Object.entries(json.properties ?? {}).map(([name, property]): ParamDoc => {
    const { description, ...rest } = property;
    return { name, in: location, required: location === 'path' || required.has(name), description: typeof description === 'string' ? description : null, schema: rest };
  });
  return {
    docs,
    read(values) {
      const parsed = schema.safeParse(Object.fromEntries(values));
      if (parsed.success) return paramOk(parsed.data);
      const issue = parsed.error.issues[0];
      const param = typeof issue?.path[0] === 'string' ? issue.path[0] : (docs[0]?.name ?? 'query');
      const reason = issue === undefined ? 'invalid' : values.has(param) ? issue.message : 'required';
      return paramProblem(param, reason);
    },
  };
}

/** A reader of no parameters at all. */
export const noParams: ParamReader<Record<string, never>> = { docs: [], read: () => paramOk({}) };

/** Reusable parameter schemas (their messages are the 400's reason). */
export const boundedText = (what: string, max: number) =>
  z.string().trim().min(1, `expected ${what}`).max(max, `expected ${what} of at most ${max} characters`);

export const emailAddress = z
  .string()
  .trim()
  .max(320, 'an email address has at most 320 characters')
  .refine((a) => /^.+@[^@]+$/s.test(a), 'expected an email address (local-part@domain)');
