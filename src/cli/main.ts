#!/usr/bin/env node
import { Command, Option } from 'commander';
import { LedgerError } from '../errors.js';
import { deadLettersCommand, renderDeadLetters } from './commands/deadLettersCommand.js';
import { messageCommand, messageJson, renderMessage } from './commands/messageCommand.js';
import { renderReplay, replayCommand } from './commands/replayCommand.js';
import { renderUsage, usageCommand } from './commands/usageCommand.js';
import { withLedger } from './ledgerSession.js';
import { createOutput, describeError, exitCodeFor } from './output.js';

/**
 * acs-email-ledger: the CLI. Every command reads the same configuration as the function (LEDGER_*
 * environment variables); with LEDGER_STORAGE unset it runs on an embedded Azurite kept in .ledger/.
 */
export function buildProgram(env: Readonly<Record<string, string | undefined>> = process.env): Command {
  const program = new Command('acs-email-ledger')
    .description('Delivery ledger for Azure Communication Services Email, fed by its diagnostic logs.')
    .addOption(new Option('--json', 'print exactly one JSON document on stdout'))
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });

  const jsonOf = (cmd: Command): boolean => cmd.optsWithGlobals<{ json?: boolean }>().json === true;

  program
    .command('replay')
    .description('apply files, folders or - (stdin): event bodies, JSON arrays, NDJSON (PT1H.json archives)')
    .argument('<path...>', 'files, folders, or - for standard input')
    .option('--json', 'print exactly one JSON document on stdout')
    .option('--no-progress', 'do not print progress on stderr')
    .action(async (paths: string[], opts: { progress: boolean }, cmd: Command) => {
      const out = createOutput(jsonOf(cmd));
      await withLedger(env, async (ledger) => {
        const result = await replayCommand(paths, ledger, out, { progress: opts.progress });
        out.result({ ...result.report, summary: result.summary }, () => renderReplay(result));
      });
    });

  program
    .command('message')
    .description("show one message's delivery state per recipient")
    .argument('<messageId>', 'the message id (the correlationId of its log records)')
    .option('--json', 'print exactly one JSON document on stdout')
    .action(async (messageId: string, _opts: unknown, cmd: Command) => {
      const out = createOutput(jsonOf(cmd));
      await withLedger(env, async ({ tables }) => {
        const view = await messageCommand(messageId, tables);
        out.result(messageJson(view), () => renderMessage(view));
      });
    });

  program
    .command('deadletters')
    .description('list rejected records with their reason, origin and raw text')
    .option('--reason <code>', 'only this reason code (e.g. missing_correlation_id)')
    .option('--json', 'print exactly one JSON document on stdout')
    .action(async (opts: { reason?: string }, cmd: Command) => {
      const out = createOutput(jsonOf(cmd));
      await withLedger(env, async ({ tables }) => {
        const letters = await deadLettersCommand(tables, opts.reason === undefined ? {} : { reason: opts.reason });
        out.result(letters, () => renderDeadLetters(letters));
      });
    });

  program
    .command('usage')
    .description('usage quantities per resource, usage type, unit type and UTC day')
    .option('--since <day>', 'first UTC day, YYYY-MM-DD')
    .option('--until <day>', 'last UTC day, YYYY-MM-DD')
    .option('--json', 'print exactly one JSON document on stdout')
    .action(async (opts: { since?: string; until?: string }, cmd: Command) => {
      const out = createOutput(jsonOf(cmd));
      for (const day of [opts.since, opts.until]) {
        if (day !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new LedgerError('usage', `expected a day as YYYY-MM-DD, got "${day}"`);
      }
      await withLedger(env, async ({ tables }) => {
        const rows = await usageCommand(tables, opts);
        out.result(rows, () => renderUsage(rows));
      });
    });

  return program;
}

export async function runCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): Promise<number> {
  const program = buildProgram(env).exitOverride();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (typeof error === 'object' && error !== null && 'exitCode' in error && (error as { code?: string }).code?.startsWith('commander.')) {
      return (error as { exitCode: number }).exitCode;
    }
    process.stderr.write(`acs-email-ledger: ${describeError(error)}\n`);
    return exitCodeFor(error);
  }
}

// Run when executed directly (node dist/src/cli/main.js, or the package bin), not when imported by tests.
if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${(await import('node:fs')).realpathSync(process.argv[1])}`).href) {
  process.exitCode = await runCli(process.argv.slice(2));
}
