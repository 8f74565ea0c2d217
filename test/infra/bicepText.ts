import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Just enough of Bicep, read as text, for the infra consistency tests. Bicep cannot be compiled on the
 * machines these tests run on, so this is not a parser of the language: it knows strings ('...',
 * '''...''' and ${...} interpolation, so that a brace or "//" inside a string is not mistaken for
 * structure), comments, brace matching, and the shape of top-level declarations (a line at column 0
 * starting with param/var/resource/module/output/..., with its @decorators above it). Everything else is
 * left to `az bicep build`, which is the real check (docs/deploy.md).
 */

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const INFRA_DIR = path.join(REPO_ROOT, 'infra');

export function readRepoFile(relative: string): string {
  return readFileSync(path.join(REPO_ROOT, relative), 'utf8');
}

/** A .bicep file under infra/ with its comments blanked out (line structure kept). */
export function readBicep(relative: string): string {
  return stripComments(readFileSync(path.join(INFRA_DIR, relative), 'utf8'));
}

/** Every .bicep file under infra/, as paths relative to infra/ with forward slashes. */
export function bicepFiles(): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.bicep')) found.push(path.relative(INFRA_DIR, full).split(path.sep).join('/'));
    }
  };
  walk(INFRA_DIR);
  return found.sort();
}

/** Index just past the string literal starting at `start` (which must be a quote). */
export function skipString(src: string, start: number): number {
  if (src.startsWith("'''", start)) {
    // Multi-line string: no escapes, no interpolation, ends at the next '''.
    const end = src.indexOf("'''", start + 3);
    if (end < 0) throw new Error(`unterminated ''' string at ${start}`);
    return end + 3;
  }
  let i = start + 1;
  while (i < src.length) {
    const c = src[i];
    if (c === '\\') i += 2;
    else if (c === "'") return i + 1;
    else if (c === '$' && src[i + 1] === '{') i = matchBrace(src, i + 1) + 1;
    else i += 1;
  }
  throw new Error(`unterminated string at ${start}`);
}

const CLOSERS: Record<string, string> = { '{': '}', '[': ']', '(': ')' };

/** Index of the bracket that closes the one at `open` ({, [ or (), skipping strings. */
export function matchBrace(src: string, open: number): number {
  const stack: string[] = [];
  let i = open;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === "'") {
      i = skipString(src, i);
      continue;
    }
    const closer = CLOSERS[c];
    if (closer !== undefined) stack.push(closer);
    else if (c === '}' || c === ']' || c === ')') {
      if (stack.pop() !== c) throw new Error(`unbalanced '${c}' at ${i}`);
      if (stack.length === 0) return i;
    }
    i += 1;
  }
  throw new Error(`no closing bracket for the one at ${open}`);
}

/** Replaces // and /* comments with spaces (newlines kept), leaving strings alone. */
export function stripComments(src: string): string {
  let out = '';
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === "'") {
      const end = skipString(src, i);
      out += src.slice(i, end);
      i = end;
    } else if (c === '/' && src[i + 1] === '/') {
      const end = src.indexOf('\n', i);
      const stop = end < 0 ? src.length : end;
      out += ' '.repeat(stop - i);
      i = stop;
    } else if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? src.length : end + 2;
      out += src.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

export type DeclarationKind = 'param' | 'var' | 'resource' | 'module' | 'output' | 'targetScope' | 'type' | 'func' | 'metadata' | 'import';

export interface Declaration {
  readonly kind: DeclarationKind;
  /** The declared name (for targetScope: 'targetScope'). */
  readonly name: string;
  /** The @decorator lines above it, joined. */
  readonly decorators: string;
  /** From the keyword to just before the next top-level declaration. */
  readonly text: string;
}

const DECLARATION_START = /^(param|var|resource|module|output|targetScope|type|func|metadata|import)\b\s*([A-Za-z_][A-Za-z0-9_]*)?/;

/** The top-level declarations of comment-stripped Bicep source, in order. */
export function declarations(src: string): Declaration[] {
  const lines = src.split('\n');
  const result: Declaration[] = [];
  let decorators: string[] = [];
  let current: { kind: DeclarationKind; name: string; decorators: string; lines: string[] } | undefined;
  const flush = () => {
    if (current) result.push({ kind: current.kind, name: current.name, decorators: current.decorators, text: current.lines.join('\n') });
    current = undefined;
  };
  for (const line of lines) {
    const start = DECLARATION_START.exec(line);
    if (line.startsWith('@')) {
      flush();
      decorators.push(line);
    } else if (start) {
      flush();
      const kind = start[1] as DeclarationKind;
      current = { kind, name: kind === 'targetScope' ? 'targetScope' : (start[2] ?? ''), decorators: decorators.join('\n'), lines: [line] };
      decorators = [];
    } else if (current) {
      current.lines.push(line);
    } else if (decorators.length > 0) {
      // Continuation of a multi-line decorator such as @allowed([ ... ]).
      decorators.push(line);
    }
  }
  flush();
  return result;
}

/** The expression after the first top-level "=" of a declaration (param default, var value, output value). */
export function declarationValue(decl: Declaration): string | undefined {
  const eq = decl.text.indexOf('=');
  return eq < 0 ? undefined : decl.text.slice(eq + 1).trim();
}

export interface BicepParam {
  readonly name: string;
  readonly type: string;
  /** The default expression as written ("'0.02'", "24", "resourceGroup().location"), if any. */
  readonly defaultExpr: string | undefined;
  readonly secure: boolean;
  /** Values of @allowed([...]), as written without quotes. */
  readonly allowed: readonly string[] | undefined;
}

export function params(src: string): Map<string, BicepParam> {
  const map = new Map<string, BicepParam>();
  for (const decl of declarations(src)) {
    if (decl.kind !== 'param') continue;
    const header = /^param\s+(\w+)\s+(\w+)/.exec(decl.text);
    if (!header) throw new Error(`cannot read param: ${decl.text.split('\n')[0]}`);
    const allowedMatch = /@allowed\(\[([\s\S]*?)\]\)/.exec(decl.decorators);
    map.set(decl.name, {
      name: decl.name,
      type: header[2] as string,
      defaultExpr: declarationValue(decl),
      secure: /@secure\(\)/.test(decl.decorators),
      allowed: allowedMatch ? (allowedMatch[1] as string).split(/[\s,]+/).filter(Boolean).map(unquote) : undefined,
    });
  }
  return map;
}

export interface BicepResource {
  readonly symbol: string;
  readonly type: string;
  readonly apiVersion: string;
  readonly existing: boolean;
  /** The condition of `= if (...)`, if any. */
  readonly condition: string | undefined;
  /** The `{ ... }` body. */
  readonly body: string;
}

export function resources(src: string): BicepResource[] {
  return declarations(src)
    .filter((d) => d.kind === 'resource')
    .map((decl) => {
      const header = /^resource\s+(\w+)\s+'([^'@]+)@([^']+)'\s*(existing)?\s*=\s*(?:if\s*\(([\s\S]*?)\)\s*)?\{/.exec(decl.text);
      if (!header) throw new Error(`cannot read resource: ${decl.text.split('\n')[0]}`);
      const open = header[0].length - 1;
      return {
        symbol: header[1] as string,
        type: header[2] as string,
        apiVersion: header[3] as string,
        existing: header[4] !== undefined,
        condition: header[5],
        body: decl.text.slice(open, matchBrace(decl.text, open) + 1),
      };
    });
}

export interface BicepModule {
  readonly symbol: string;
  /** Path as written, relative to the declaring file. */
  readonly path: string;
  readonly condition: string | undefined;
  readonly body: string;
  /** The `params: { ... }` entries: name -> expression. */
  readonly params: Map<string, string>;
}

export function modules(src: string): BicepModule[] {
  return declarations(src)
    .filter((d) => d.kind === 'module')
    .map((decl) => {
      const header = /^module\s+(\w+)\s+'([^']+)'\s*=\s*(?:if\s*\(([\s\S]*?)\)\s*)?\{/.exec(decl.text);
      if (!header) throw new Error(`cannot read module: ${decl.text.split('\n')[0]}`);
      const open = header[0].length - 1;
      const body = decl.text.slice(open, matchBrace(decl.text, open) + 1);
      const paramsValue = objectEntries(body).get('params');
      return {
        symbol: header[1] as string,
        path: header[2] as string,
        condition: header[3],
        body,
        params: paramsValue === undefined ? new Map<string, string>() : objectEntries(paramsValue),
      };
    });
}

export interface BicepOutput {
  readonly name: string;
  readonly type: string;
  readonly expr: string;
}

export function outputs(src: string): BicepOutput[] {
  return declarations(src)
    .filter((d) => d.kind === 'output')
    .map((decl) => {
      const header = /^output\s+(\w+)\s+(\w+)\s*=/.exec(decl.text);
      if (!header) throw new Error(`cannot read output: ${decl.text.split('\n')[0]}`);
      return { name: decl.name, type: header[2] as string, expr: decl.text.slice(header[0].length).trim() };
    });
}

/**
 * The entries of an object literal `{ ... }` (the text must start with "{"): key -> value expression.
 * Bicep separates entries by newlines; a key is an identifier or a quoted string at the start of a line,
 * directly inside the outer braces.
 */
export function objectEntries(objectText: string): Map<string, string> {
  const text = objectText.trimStart();
  if (!text.startsWith('{')) throw new Error(`not an object literal: ${text.slice(0, 40)}`);
  const close = matchBrace(text, 0);
  const entries = new Map<string, string>();
  let key: string | undefined;
  let valueStart = 0;
  let i = 1;
  let atLineStart = true;
  const finish = (end: number) => {
    if (key !== undefined) entries.set(key, text.slice(valueStart, end).trim());
  };
  while (i < close) {
    const c = text[i] as string;
    if (atLineStart && /\S/.test(c)) {
      atLineStart = false;
      const keyMatch = /^([A-Za-z_][A-Za-z0-9_]*|'[^']*')\s*:/.exec(text.slice(i, close));
      if (keyMatch) {
        finish(i);
        key = unquote(keyMatch[1] as string);
        valueStart = i + keyMatch[0].length;
        i += keyMatch[0].length;
        continue;
      }
    }
    if (c === '\n') atLineStart = true;
    if (c === "'") i = skipString(text, i);
    else if (c === '{' || c === '[' || c === '(') i = matchBrace(text, i) + 1;
    else i += 1;
  }
  finish(close);
  return entries;
}

/** Every object literal at the top level of an expression (e.g. both arms of `cond ? {} : {...}`). */
export function objectLiteralsIn(expr: string): string[] {
  const found: string[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i] as string;
    if (c === "'") i = skipString(expr, i);
    else if (c === '{') {
      const end = matchBrace(expr, i);
      found.push(expr.slice(i, end + 1));
      i = end + 1;
    } else if (c === '[' || c === '(') i = matchBrace(expr, i) + 1;
    else i += 1;
  }
  return found;
}

/** The contents of every '''multi-line''' string in the source. */
export function multilineStrings(src: string): string[] {
  return [...src.matchAll(/'''([\s\S]*?)'''/g)].map((m) => m[1] as string);
}

/** A Bicep single-quoted literal's value ('it\'s' -> it's); anything else is returned as is. */
export function unquote(token: string): string {
  const t = token.trim();
  if (t.length >= 2 && t.startsWith("'") && t.endsWith("'") && !t.includes('${')) {
    return t.slice(1, -1).replace(/\\'/g, "'").replace(/\\\\/g, '\\');
  }
  return t;
}

/** True for a plain string literal with no interpolation: 'abc'. */
export function isStringLiteral(expr: string): boolean {
  const t = expr.trim();
  return /^'(?:[^'\\$]|\\.|\$(?!\{))*'$/.test(t);
}

/** Identifiers used in an expression (outside string literals, interpolations included). */
export function identifiersIn(expr: string): Set<string> {
  const ids = new Set<string>();
  let i = 0;
  while (i < expr.length) {
    const c = expr[i] as string;
    if (c === "'") {
      // Collect identifiers from ${...} holes, skip the literal text.
      const end = skipString(expr, i);
      for (const hole of expr.slice(i, end).matchAll(/\$\{([^}]*)\}/g)) for (const id of identifiersIn(hole[1] as string)) ids.add(id);
      i = end;
    } else if (/[A-Za-z_]/.test(c) && (i === 0 || !/[A-Za-z0-9_.]/.test(expr[i - 1] as string))) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(expr.slice(i)) as RegExpExecArray;
      ids.add(m[0]);
      i += m[0].length;
    } else i += 1;
  }
  return ids;
}
