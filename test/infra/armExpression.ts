/**
 * Enough of the ARM template expression language ("[union(parameters('a'), createObject('k', 1))]") to
 * read what `bicep build` produced: a parser, and an evaluator for the functions our templates use.
 * Values Azure fills in at deployment time (reference(), resourceId(), guid(), uniqueString(), ...) are
 * evaluated to readable stand-in strings such as "resourceId(Microsoft.Storage/storageAccounts, st1)",
 * so a test can assert which parameter or resource a value comes from.
 */

export type ArmNode =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly ArmNode[] }
  | { readonly kind: 'property'; readonly target: ArmNode; readonly name: string }
  | { readonly kind: 'index'; readonly target: ArmNode; readonly index: ArmNode };

export class ArmExpressionError extends Error {
  constructor(message: string, readonly expression: string) {
    super(`${message} in ARM expression ${expression}`);
    this.name = 'ArmExpressionError';
  }
}

/** True for a template string that is an expression: "[...]" but not the "[[" escape. */
export function isExpression(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith('[') && value.endsWith(']') && !value.startsWith('[[');
}

export function parseExpression(source: string): ArmNode {
  const text = isExpression(source) ? source.slice(1, -1) : source;
  let i = 0;
  const fail = (message: string): never => {
    throw new ArmExpressionError(`${message} at ${i}`, source);
  };
  const skipSpace = () => {
    while (/\s/.test(text[i] ?? '')) i += 1;
  };
  const primary = (): ArmNode => {
    skipSpace();
    const c = text[i];
    if (c === "'") {
      let value = '';
      i += 1;
      for (;;) {
        if (i >= text.length) fail('unterminated string');
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i += 1;
          return { kind: 'string', value };
        }
        value += text[i];
        i += 1;
      }
    }
    const number = /^-?\d+/.exec(text.slice(i));
    if (number) {
      i += number[0].length;
      return { kind: 'number', value: Number(number[0]) };
    }
    const name = /^[A-Za-z_][\w.]*/.exec(text.slice(i));
    if (!name) return fail('expected a value');
    i += name[0].length;
    skipSpace();
    if (text[i] !== '(') return fail(`expected ( after ${name[0]}`);
    i += 1;
    const args: ArmNode[] = [];
    skipSpace();
    if (text[i] === ')') i += 1;
    else {
      for (;;) {
        args.push(postfix());
        skipSpace();
        if (text[i] === ',') i += 1;
        else if (text[i] === ')') {
          i += 1;
          break;
        } else fail('expected , or )');
      }
    }
    return { kind: 'call', name: name[0], args };
  };
  const postfix = (): ArmNode => {
    let node = primary();
    for (;;) {
      skipSpace();
      if (text[i] === '.') {
        const prop = /^\.([A-Za-z_$][\w$]*)/.exec(text.slice(i));
        if (!prop) fail('expected a property name');
        i += prop![0].length;
        node = { kind: 'property', target: node, name: prop![1] as string };
      } else if (text[i] === '[') {
        i += 1;
        const index = postfix();
        skipSpace();
        if (text[i] !== ']') fail('expected ]');
        i += 1;
        node = { kind: 'index', target: node, index };
      } else return node;
    }
  };
  const node = postfix();
  skipSpace();
  if (i !== text.length) fail('trailing text');
  return node;
}

export interface ArmScope {
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly variables: Readonly<Record<string, unknown>>;
}

/** A template value with every expression in it evaluated (objects and arrays recursively). */
export function evaluateValue(value: unknown, scope: ArmScope): unknown {
  if (isExpression(value)) return evaluate(parseExpression(value), scope, value);
  if (Array.isArray(value)) return value.map((v) => evaluateValue(v, scope));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    // A key can be an expression too: userAssignedIdentities: { '[parameters('id')]': {} }.
    for (const [k, v] of Object.entries(value)) out[isExpression(k) ? show(evaluateValue(k, scope)) : k] = evaluateValue(v, scope);
    return out;
  }
  return value;
}

const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

function evaluate(node: ArmNode, scope: ArmScope, source: string): unknown {
  const ev = (n: ArmNode) => evaluate(n, scope, source);
  switch (node.kind) {
    case 'string':
    case 'number':
      return node.value;
    case 'property': {
      const target = ev(node.target);
      if (target !== null && typeof target === 'object') return (target as Record<string, unknown>)[node.name];
      return `${show(target)}.${node.name}`;
    }
    case 'index': {
      const target = ev(node.target);
      const index = ev(node.index);
      if (target !== null && typeof target === 'object') return (target as Record<string, unknown>)[String(index)];
      return `${show(target)}[${show(index)}]`;
    }
    case 'call':
      break;
  }
  const args = node.args.map(ev);
  const str = (k: number) => {
    const v = args[k];
    if (typeof v !== 'string') throw new ArmExpressionError(`${node.name} expects a string as argument ${k}`, source);
    return v;
  };
  switch (node.name.toLowerCase()) {
    case 'parameters': {
      const name = str(0);
      if (!(name in scope.parameters)) throw new ArmExpressionError(`no value for parameter ${name}`, source);
      return scope.parameters[name];
    }
    case 'variables': {
      const name = str(0);
      if (!(name in scope.variables)) throw new ArmExpressionError(`no variable ${name}`, source);
      return evaluateValue(scope.variables[name], scope);
    }
    case 'createobject': {
      const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      for (let k = 0; k < args.length; k += 2) out[str(k)] = args[k + 1];
      return out;
    }
    case 'createarray':
      return args;
    case 'union':
      return Object.assign(Object.create(null) as Record<string, unknown>, ...args.map((a) => a as object));
    case 'if':
      return args[0] === true ? args[1] : args[2];
    case 'empty': {
      const v = args[0];
      if (typeof v === 'string' || Array.isArray(v)) return v.length === 0;
      if (v !== null && typeof v === 'object') return Object.keys(v).length === 0;
      return v === null || v === undefined;
    }
    case 'not':
      return args[0] !== true;
    case 'or':
      return args.some((a) => a === true);
    case 'and':
      return args.every((a) => a === true);
    case 'equals':
      return JSON.stringify(args[0]) === JSON.stringify(args[1]);
    case 'string':
      return typeof args[0] === 'string' ? args[0] : JSON.stringify(args[0]);
    case 'format':
      return str(0).replace(/\{(\d+)\}/g, (_, n: string) => show(args[Number(n) + 1]));
    case 'replace':
      return str(0).split(str(1)).join(str(2));
    case 'concat':
      return args.every((a) => typeof a === 'string') ? args.join('') : args.flat();
    case 'tolower':
      return str(0).toLowerCase();
    // Known at compile time once the parameters are: evaluated, so that a test can follow a fail() guard
    // (length(secret) < 32) or the segments of a resource id (split, last) to their value.
    case 'null':
      return null;
    case 'true':
      return true;
    case 'false':
      return false;
    case 'length': {
      const v = args[0];
      if (typeof v === 'string' || Array.isArray(v)) return v.length;
      if (v !== null && typeof v === 'object') return Object.keys(v).length;
      throw new ArmExpressionError('length expects a string, an array or an object', source);
    }
    case 'less':
    case 'lessorequals':
    case 'greater':
    case 'greaterorequals': {
      const [a, b] = args;
      if (typeof a !== 'number' || typeof b !== 'number') return `${node.name}(${args.map(show).join(', ')})`;
      const name = node.name.toLowerCase();
      return name === 'less' ? a < b : name === 'lessorequals' ? a <= b : name === 'greater' ? a > b : a >= b;
    }
    case 'split':
      return str(0).split(str(1));
    case 'last': {
      const v = args[0];
      if (Array.isArray(v)) return v[v.length - 1];
      return typeof v === 'string' ? v.slice(-1) : `last(${show(v)})`;
    }
    default:
      // Filled in by Azure at deployment time: a readable stand-in naming the function and its arguments.
      return `${node.name}(${args.map(show).join(', ')})`;
  }
}
