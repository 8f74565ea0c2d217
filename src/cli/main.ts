#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { ALERT_STATES } from '../api/ledgerReads.js';
import { LedgerError } from '../errors.js';
import { alertsCommand, alertsQueryOf, renderAlerts } from './commands/alertsCommand.js';
import { bouncesCommand, bouncesCsv, bouncesExport, bouncesQueryOf, checkCommand, renderBounces, renderCheck } from './commands/bouncesCommand.js';
import { deadLettersCommand, deadLettersQueryOf, renderDeadLetters } from './commands/deadLettersCommand.js';
import { messageDocument } from '../store/messageQueries.js';
import { messageCommand, renderMessage } from './commands/messageCommand.js';
import { assertAlertsDelivered, renderReplay, replayCommand } from './commands/replayCommand.js';
import { BATCH_LIMIT_RANGES, DEFAULT_BATCH_LIMITS } from './input/replayBatches.js';
import { renderParkedReplay, replayParkedCommand } from './commands/replayParkedCommand.js';
import { renderUsage, usageCommand } from './commands/usageCommand.js';
import { recipientCommand, recipientQueryOf, renderRecipient } from './commands/recipientCommand.js';
import { messagesCommand, messagesQueryOf, renderMessages } from './commands/messagesCommand.js';
import { assertConsistent, renderStats, statsCommand, statsQueryOf } from './commands/statsCommand.js';
import { reindexCommand, renderReindex } from './commands/reindexCommand.js';
import { clicksCommand, failuresCommand, guardrailCommand, renderClicks, renderFailures, renderGuardrail } from './commands/aggregateCommands.js';
import { DEFAULT_SERVE_PORT, serveCommand } from './commands/serveCommand.js';
import { defaultSuppressionClient, renderSync, renderUnsuppress, suppressSyncCommand, unsuppressCommand } from './commands/suppressCommand.js';
import { withLedger } from './ledgerSession.js';
import { createOutput, describeError, exitCodeFor } from './output.js';
import { escapeForTerminal } from './terminalText.js';

const MB = 1024 * 1024;

/** A commander parser for a whole number within a range; anything else is a usage error (commander names the option). */
function wholeNumber(range: { readonly min: number; readonly max: number }): (text: string) => number {
  return (text) => {
    const n = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < range.min || n > range.max) {
      throw new InvalidArgumentError(`must be a whole number from ${range.min} to ${range.max.toLocaleString('en')}, got "${text}"`);
    }
    return n;
  };
}

/**
 * acs-email-ledger: the CLI. Every command reads the same configuration as the function (LEDGER_*
 * environment variables); with LEDGER_STORAGE unset it runs on an embedded Azurite kept in .ledger/.
 */
export function buildProgram(env: Readonly<Record<string, string | undefined>> = process.env): Command {
  const program = new Command('acs-email-ledger')
    .description('Delivery ledger for Azure Communication Services Email, fed by its diagnostic logs.')
    .addOption(new Option('--json', 'print exactly one JSON document on stdout'))
    .showHelpAfterError()
    // Before the subcommands are added, so that they inherit it: errors come back to runCli as values.
    .exitOverride()
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(escapeForTerminal(s)) });

  const jsonOf = (cmd: Command): boolean => cmd.optsWithGlobals<{ json?: boolean }>().json === true;

  program
    .command('replay')
    .description('apply files, folders or - (stdin): event bodies, JSON arrays, NDJSON (PT1H.json archives)')
    .argument('[path...]', 'files, folders, or - for standard input')
    .option('--parked', 'instead of paths: re-drive the batches the function parked when its retries ran out')
    .option('--json', 'print exactly one JSON document on stdout')
    .option('--no-progress', 'do not print progress on stderr')
    .addOption(
      new Option('--batch-records <n>', 'records per pipeline call: a batch closes at this many records or at --batch-mb, whichever comes first')
        .default(DEFAULT_BATCH_LIMITS.records)
        .argParser(wholeNumber(BATCH_LIMIT_RANGES.records)),
    )
    .addOption(
      new Option('--batch-mb <n>', 'megabytes of input text per pipeline call (bounds memory for big records)')
        .default(DEFAULT_BATCH_LIMITS.chars / MB)
        .argParser(wholeNumber(BATCH_LIMIT_RANGES.megabytes)),
    )
    .action(async (paths: string[], opts: { progress: boolean; parked?: boolean; batchRecords: number; batchMb: number }, cmd: Command) => {
      const out = createOutput(jsonOf(cmd));
      if (opts.parked === true || paths.length === 0) {
        if (paths.length > 0 || opts.parked !== true) throw new LedgerError('usage', 'replay takes paths, or --parked alone');
        await withLedger(env, async (ledger) => {
          const result = await replayParkedCommand(ledger, out);
          out.result({ ...result.report, dispatch: result.dispatch, parkedBatches: result.parkedBatches, summary: result.summary }, () => renderParkedReplay(result, renderReplay));
          assertAlertsDelivered(result.dispatch);
        });
        return;
      }
      await withLedger(env, async (ledger) => {
        const batch = { records: opts.batchRecords, chars: opts.batchMb * MB };
        const result = await replayCommand(paths, ledger, out, { progress: opts.progress, batch });
        out.result({ ...result.report, dispatch: result.dispatch, summary: result.summary }, () => renderReplay(result));
        assertAlertsDelivered(result.dispatch);
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
        out.result(messageDocument(view), () => renderMessage(view));
      });
    });

  program
    .command('deadletters')
    .description('list rejected records with their reason, origin and raw text, a page at a time')
    .option('--reason <code>', 'only this reason code (e.g. missing_correlation_id)')
    .option('--limit <n>', 'dead letters per page, 1 to 1000 (default 100)')
    .option('--continuation <token>', 'the token a previous page printed: its next page')
    .option('--json', 'print exactly one JSON document on stdout: { deadLetters, continuation }')
    .action(async (opts: { reason?: string; limit?: string; continuation?: string }, cmd: Command) => {
      const out = createOutput(jsonOf(cmd));
      const query = deadLettersQueryOf(opts);
      await withLedger(env, async ({ tables }) => {
        const page = await deadLettersCommand(tables, query);
        out.result(page, () => renderDeadLetters(page, opts));
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

  program
    .command('alerts')
    .description('list alerts and their delivery state, a page at a time; --dispatch delivers what is pending')
    .addOption(new Option('--state <state>', 'only alerts in this state').choices(ALERT_STATES))
    .option('--message-id <id>', "only this message's alerts")
    .option('--limit <n>', 'alerts per page, 1 to 1000 (default 100)')
    .option('--continuation <token>', 'the token a previous page printed: its next page')
    .option('--dispatch', 'deliver pending alerts now (retrying transient failures a few times)')
    .option('--retry-failed', 'with --dispatch: also retry alerts parked as failed')
    .option('--json', 'print exactly one JSON document on stdout: { alerts, continuation }')
    .action(async (opts: { state?: 'pending' | 'delivered' | 'failed'; messageId?: string; limit?: string; continuation?: string; dispatch?: boolean; retryFailed?: boolean }, cmd: Command) => {
      const out = createOutput(jsonOf(cmd));
      const query = alertsQueryOf(opts);
      await withLedger(env, async (ledger) => {
        const result = await alertsCommand(ledger, query, opts);
        if (result.dispatch && out.json) out.note(JSON.stringify({ dispatched: result.dispatch }));
        out.result(result.page, () => renderAlerts(result, opts));
      });
    });

  program
    .command('bounces')
    .description('the bounce registry: addresses that hard-bounced, with ACS suppression forecasts, a page at a time')
    .option('--since <time>', 'only addresses whose last bounce is at or after this ISO time')
    .option('--search <text>', 'only addresses containing this text, case-insensitive (the API\'s q)')
    .option('--limit <n>', 'addresses per page, 1 to 1000 (default 100)')
    .option('--continuation <token>', 'the token a previous page printed: its next page')
    .option('--csv', 'print CSV of every matching address (all pages)')
    .option('--json', 'print exactly one JSON document on stdout: { bounces, continuation }')
    .action(async (opts: { since?: string; search?: string; limit?: string; continuation?: string; csv?: boolean }, cmd: Command) => {
      const out = createOutput(jsonOf(cmd));
      const query = bouncesQueryOf(opts);
      await withLedger(env, async ({ tables }) => {
        if (opts.csv === true && !out.json) {
          const records = await bouncesExport(tables, query.filters);
          out.result(records, () => bouncesCsv(records));
          return;
        }
        const page = await bouncesCommand(tables, query);
        out.result(page, () => renderBounces(page, opts));
      });
    });

  program
    .command('check')
    .description('may I still send to this address? (hard bounces and the likely ACS suppression lease)')
    .argument('<address>', 'email address (matched case-insensitively)')
    .option('--json', 'print exactly one JSON document on stdout')
    .action(async (address: string, _opts: unknown, cmd: Command) => {
      const out = createOutput(jsonOf(cmd));
      await withLedger(env, async ({ tables }) => {
        const answer = await checkCommand(tables, address, new Date());
        out.result(answer, () => renderCheck(answer));
      });
    });

  // The index queries: flags are the query parameters of the HTTP API, parsed by the same schemas (src/queries/).
  program
    .command('recipient')
    .description('every message sent to an address (case-insensitive), newest first, with that recipient\'s status')
    .argument('<address>', 'email address')
    .option('--limit <n>', 'messages per page, 1 to 1000 (default 50)')
    .option('--continuation <token>', 'the token a previous page printed: its next page')
    .option('--json', 'print exactly one JSON document on stdout')
    .action(async (address: string, opts: Record<string, unknown>, cmd: Command) => {
      const out = createOutput(jsonOf(cmd));
      const query = recipientQueryOf(address, opts);
      await withLedger(env, async ({ tables }) => {
        const doc = await recipientCommand(tables, query);
        out.result(doc, () => renderRecipient(doc));
      });
    });

  program
    .command('messages')
    .description('messages of a time window (default the last 24 hours), newest first, with recipients per status')
    .option('--from <time>', 'window start, inclusive: ISO 8601, a date (00:00Z), now, or -30m / -1h / -7d / -2w')
    .option('--to <time>', 'window end, exclusive (default now)')
    .option('--status <status>', 'only messages with a recipient in this status (e.g. Bounced)')
    .option('--sender-domain <domain>', 'only messages from this sender domain')
    .option('--recipient-domain <domain>', 'only messages to a recipient at this domain')
    .option('--failure <key>', 'only messages with a recipient that failed so (a failure key `failures` prints)')
    .option('--provider <group>', 'only messages to a recipient at this mailbox provider group (e.g. Microsoft)')
    .option('--limit <n>', 'messages per page, 1 to 1000 (default 50)')
    .option('--continuation <token>', 'the token a previous page printed (repeat the other flags as they were)')
    .option('--json', 'print exactly one JSON document on stdout')
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      const out = createOutput(jsonOf(cmd));
      const query = messagesQueryOf(opts, new Date());
      await withLedger(env, async ({ tables, config }) => {
        const doc = await messagesCommand(tables, query, config.providers);
        out.result(doc, () => renderMessages(doc, opts));
      });
    });

  program
    .command('stats')
    .description('exact recipient counts and rates per hour or day, per sender domain, recipient domain or provider')
    .option('--from <time>', 'first bucket: ISO 8601, a date, now, or -1h / -7d (default 30 days ago)')
    .option('--to <time>', 'end, exclusive, rounded up to a whole bucket (default now)')
    .option('--by <unit>', 'hour or day (default day)')
    .option('--group <group>', 'sender-domain, recipient-domain, provider or none (default sender-domain)')
    .option('--verify', 'recompute the numbers from the messages table and list every difference (exit 1 if any); with --json prints the verify document')
    .option('--json', 'print exactly one JSON document on stdout')
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      const out = createOutput(jsonOf(cmd));
      const query = statsQueryOf(opts, new Date());
      await withLedger(env, async (ledger) => {
        const result = await statsCommand(ledger, query, { verify: opts['verify'] === true }, out);
        out.result(result.verify ?? result.stats, () => renderStats(result));
        assertConsistent(result.verify);
      });
    });

  // The dashboard's aggregates (src/queries/aggregates.ts, guardrail.ts): the same functions as their routes.
  const window = (c: Command) => c.option('--from <time>', 'window start: ISO 8601, a date, now, or -1h / -7d (default 30 days ago)').option('--to <time>', 'window end, exclusive (default now)');
  window(program.command('failures').description('recipients by failure (status, SMTP and enhanced code, reason), biggest first'))
    .option('--sender-domain <domain>', 'only this sender domain').option('--recipient-domain <domain>', 'only this recipient domain')
    .option('--provider <group>', 'only this mailbox provider group').option('--limit <n>', 'rows, 1 to 1000 (default 50)').option('--json', 'print exactly one JSON document on stdout')
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      const out = createOutput(jsonOf(cmd));
      await withLedger(env, async (ledger) => { const doc = await failuresCommand(ledger, opts, new Date()); out.result(doc, () => renderFailures(doc)); });
    });
  window(program.command('clicks').description('the links most recipients clicked, of messages in the window (whole UTC days)'))
    .option('--sender-domain <domain>', 'only this sender domain').option('--limit <n>', 'rows, 1 to 1000 (default 50)').option('--json', 'print exactly one JSON document on stdout')
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      const out = createOutput(jsonOf(cmd));
      await withLedger(env, async (ledger) => { const doc = await clicksCommand(ledger, opts, new Date()); out.result(doc, () => renderClicks(doc)); });
    });
  program.command('guardrail').description("the bounce-rate guardrail's level per sender domain for the window ending at a time")
    .option('--at <time>', 'the time whose window is shown (default now)').option('--json', 'print exactly one JSON document on stdout')
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      const out = createOutput(jsonOf(cmd));
      await withLedger(env, async (ledger) => { const doc = await guardrailCommand(ledger, opts, new Date()); out.result(doc, () => renderGuardrail(doc)); });
    });

  program
    .command('serve')
    .description("serve the HTTP API (the function app's routes) on this machine, over the same ledger, until Ctrl-C")
    .addOption(new Option('--port <n>', 'TCP port (0: any free one)').default(DEFAULT_SERVE_PORT).argParser(wholeNumber({ min: 0, max: 65_535 })))
    .option('--host <host>', 'interface to listen on; anything but loopback is reachable by others, without keys', '127.0.0.1')
    .option('--json', 'print exactly one JSON document on stdout')
    .action(async (opts: { port: number; host: string }, cmd: Command) => {
      const out = createOutput(jsonOf(cmd));
      await withLedger(env, async (ledger) => {
        await serveCommand(ledger, opts, out);
        // Runs until SIGINT or SIGTERM: withLedger then saves the embedded store and releases the folder.
        await new Promise<never>(() => undefined);
      });
    });

  // ACS suppression lists (LEDGER_SUPPRESSION_LISTS): the registry reconciled with them, and the way back off.
  program
    .command('suppress')
    .description('ACS suppression lists (LEDGER_SUPPRESSION_LISTS) against the bounce registry')
    .command('sync')
    .description('put every hard-bounced address of the registry on its sender domain\'s list, where it is missing')
    .option('--dry-run', 'only print what would be added')
    .option('--json', 'print exactly one JSON document on stdout')
    .action(async (opts: { dryRun?: boolean }, cmd: Command) => {
      const out = createOutput(jsonOf(cmd));
      await withLedger(env, async (ledger) => {
        const result = await suppressSyncCommand(ledger, defaultSuppressionClient(ledger.config), { dryRun: opts.dryRun === true });
        out.result(result, () => renderSync(result));
      });
    });
  program
    .command('unsuppress')
    .description('take an address off every suppression list; the bounces recorded so far will not put it back')
    .argument('<address>', 'email address (matched case-insensitively)')
    .option('--json', 'print exactly one JSON document on stdout')
    .action(async (address: string, _opts: unknown, cmd: Command) => {
      const out = createOutput(jsonOf(cmd));
      await withLedger(env, async (ledger) => {
        const result = await unsuppressCommand(ledger, defaultSuppressionClient(ledger.config), address, new Date());
        out.result(result, () => renderUnsuppress(result));
      });
    });

  program
    .command('reindex')
    .description('bring the indexes and sums up to every message in the ledger (for ledgers from before the index)')
    .option('--json', 'print exactly one JSON document on stdout')
    .action(async (_opts: unknown, cmd: Command) => {
      const out = createOutput(jsonOf(cmd));
      await withLedger(env, async ({ tables }) => {
        const report = await reindexCommand(tables);
        out.result(report, () => renderReindex(report));
      });
    });

  return program;
}

export async function runCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): Promise<number> {
  const program = buildProgram(env);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (typeof error === 'object' && error !== null && 'exitCode' in error && (error as { code?: string }).code?.startsWith('commander.')) {
      // Help and version exit 0; every other commander error is bad usage: 2, as documented.
      const { exitCode } = error as { exitCode: number };
      return exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`acs-email-ledger: ${describeError(error)}\n`);
    return exitCodeFor(error);
  }
}

// Run when executed directly (node dist/src/cli/main.js, or the package bin), not when imported by tests.
if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${(await import('node:fs')).realpathSync(process.argv[1])}`).href) {
  process.exitCode = await runCli(process.argv.slice(2));
}
