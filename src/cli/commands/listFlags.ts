import type { ParamReader } from '../../api/params.js';
import { LedgerError } from '../../errors.js';
import { shellWord } from './queryFlags.js';

/**
 * The flags of the paged lists (`alerts`, `bounces`, `deadletters`) read by the HTTP API's parameter
 * readers (src/api/listReads.ts): a flag is the query parameter it names, and a bad one is a usage
 * error (exit 2) naming the flag, before storage is opened.
 */
export type FlagNames = Readonly<Record<string, string>>;

/** Query parameter name → its CLI flag, where they differ (`messageId` is `--message-id`). */
const flagOf = (param: string, names: FlagNames): string => `--${names[param] ?? param}`;

export function listQueryOf<T>(reader: ParamReader<T>, values: Readonly<Record<string, unknown>>, names: FlagNames = {}): T {
  const params = paramsOfFlags(values, names);
  const read = reader.read(params, { now: new Date(), path: new Map() });
  if (read.ok) return read.value;
  throw new LedgerError('usage', `${flagOf(read.problem.param, names)}: ${read.problem.reason}`);
}

/** The flags given, as the parameters' text (commander camel-cases --message-id to messageId). */
function paramsOfFlags(values: Readonly<Record<string, unknown>>, names: FlagNames): Map<string, string> {
  const params = new Map<string, string>();
  for (const doc of Object.keys(values)) {
    const value = values[doc];
    if (typeof value !== 'string') continue;
    const param = Object.entries(names).find(([, flag]) => camel(flag) === doc)?.[0] ?? doc;
    params.set(param, value);
  }
  return params;
}

const camel = (flag: string): string => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** The command line of the next page: the same flags, the new token. */
export function nextListPage(command: string, values: Readonly<Record<string, unknown>>, names: readonly string[], continuation: string | null): string[] {
  if (continuation === null) return [];
  const flags = names.flatMap((flag) => {
    const value = values[camel(flag)];
    return typeof value === 'string' ? [`--${flag} ${shellWord(value)}`] : [];
  });
  return ['', `More: ${['npx acs-email-ledger', command, ...flags].join(' ')} --continuation ${continuation}`];
}
