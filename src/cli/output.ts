import { LedgerError, ensureError, redactSecrets } from '../errors.js';
import { escapeForTerminal } from './terminalText.js';

/**
 * CLI output rules: with --json, stdout carries exactly one JSON document and nothing else (progress,
 * hints and errors go to stderr); without it, stdout is for people, and text that would make the
 * terminal act (escape sequences, bidi overrides) is shown escaped, as are notes on stderr.
 */
export interface Output {
  readonly json: boolean;
  /** The command's result: a JSON document with --json, else the human text. */
  result(json: unknown, human: () => string): void;
  /** Progress and hints: stderr, never stdout. */
  note(text: string): void;
}

export function createOutput(json: boolean, streams: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream } = process): Output {
  return {
    json,
    result(document, human) {
      streams.stdout.write(json ? `${JSON.stringify(document, null, 2)}\n` : `${escapeForTerminal(human())}\n`);
    },
    note(text) {
      streams.stderr.write(`${escapeForTerminal(text)}\n`);
    },
  };
}

/** Exit codes: 1 runtime failure, 2 bad usage or configuration, 3 not found, 4 alerts left undelivered. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof LedgerError) {
    if (error.code === 'config_invalid' || error.code === 'usage' || error.code === 'input_unreadable') return 2;
    if (error.code === 'not_found') return 3;
    if (error.code === 'alerts_undelivered') return 4;
  }
  return 1;
}

export function describeError(error: unknown): string {
  const e = ensureError(error);
  const context =
    e instanceof LedgerError && Object.keys(e.context).length > 0
      ? ` (${Object.entries(e.context)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => `${k}: ${String(v)}`)
          .join(', ')})`
      : '';
  return escapeForTerminal(redactSecrets(`${e.message}${context}`));
}

/** A plain-text table with padded columns. */
export function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (c ?? '').padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}
