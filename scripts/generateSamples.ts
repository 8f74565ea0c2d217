/**
 * Writes a deterministic, replayable stream of Azure Communication Services Email diagnostic-log
 * records into samples/, shaped as Azure Monitor sends them to Event Hubs (see docs/log-format.md),
 * plus samples/README.md and
 * test/fixtures/samples-expected.json with the exact counts a reader must arrive at.
 *
 *   npx tsx scripts/generateSamples.ts          (or: npm run samples)
 *
 * No network, no dependencies, no clock: a seeded mulberry32 PRNG drives everything, so the output is
 * byte-identical on every run. After writing, the files are read back from disk and re-counted by an
 * independent reader (countSamples in samples/countSamples.ts); the script fails if that count disagrees with what the
 * generator meant to write.
 *
 * Imported (for tests), the module does nothing by itself: use readExpected() or countSamples().
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { generatedFiles, countSamples } from './samples/countSamples.js';
import { at, assert } from './samples/json.js';
import { layOut, render } from './samples/layout.js';
import { generateBad } from './samples/badRecords.js';
import { generateDuplicates } from './samples/duplicates.js';
import { generateEventGrid, renderEventGrid } from './samples/eventGrid.js';
import { generateForeign } from './samples/foreign.js';
import { generateMessages } from './samples/messages.js';
import { Generator } from './samples/model.js';
import { expectedPathFor, readme, type Expected } from './samples/readme.js';
import { SEED, SAMPLES_DIR, MESSAGE_COUNT, MAX_TOTAL_BYTES } from './samples/settings.js';

export { SEED, SAMPLES_DIR } from './samples/settings.js';
export type { SpecialCaseInfo } from './samples/model.js';
export type { WrittenFile } from './samples/layout.js';
export { judgeRecord, countSamples } from './samples/countSamples.js';
export type { BadRecordLocation, SampleCounts, CountReport } from './samples/countSamples.js';
export { readExpected } from './samples/readme.js';
export type { Expected } from './samples/readme.js';

// ---------------------------------------------------------------------------------------------------
// Main

export function generateSamples(dir: string = SAMPLES_DIR): Expected {
  const gen = new Generator();
  // Each step draws from the one seeded stream, so this order is part of the output.
  generateMessages(gen);
  generateForeign(gen);
  generateBad(gen);
  generateDuplicates(gen);
  const layout = layOut(gen);
  // Event Grid last, from its own PRNG: the log files stay what they were before it was added.
  const eventGrid = generateEventGrid(gen);
  const files = [...render(layout), ...renderEventGrid(eventGrid)];

  // Remove what an earlier run wrote (only our own files), then write.
  for (const f of generatedFiles(dir)) rmSync(join(dir, f));
  for (const f of files) {
    mkdirSync(dirname(join(dir, f.path)), { recursive: true });
    writeFileSync(join(dir, f.path), f.content);
  }

  // Count from disk, and check against what the generator meant.
  const report = countSamples(dir);
  const placed = [...layout.archive, ...layout.batches.flat(), ...layout.events.flatMap((e) => e.items), ...eventGrid.deliveries, ...eventGrid.engagement];
  const intended = { valid: 0, duplicate: 0, foreign: 0, bad: 0 };
  for (const item of placed) intended[item.kind]++;
  const c = report.counts;
  assert(placed.length === c.totalRecords, `placed ${placed.length} items, read ${c.totalRecords}`);
  assert(intended.valid === c.distinctValidRecords, `meant ${intended.valid} valid, read ${c.distinctValidRecords}`);
  assert(intended.duplicate === c.duplicateRecords, `meant ${intended.duplicate} duplicates, read ${c.duplicateRecords}`);
  assert(intended.foreign === c.foreignRecords, `meant ${intended.foreign} foreign, read ${c.foreignRecords}`);
  assert(intended.bad === c.badRecords, `meant ${intended.bad} bad, read ${c.badRecords}`);
  assert(c.messages - report.eventGrid.messagesOnlyInEventGrid === MESSAGE_COUNT, `messages ${c.messages}`);
  assert(report.eventGrid.messagesOnlyInEventGrid === eventGrid.notes.eventGridOnlyMessages.length, `Event Grid-only messages ${report.eventGrid.messagesOnlyInEventGrid}`);
  assert(report.tiePairs.length === 1, `expected exactly one tie pair, found ${report.tiePairs.length}`);
  for (const label of ['supersede-in-order', 'supersede-reversed', 'tie', 'status-before-sendmail', 'engagement-before-status', 'redelivered-event']) {
    assert(gen.specialCases.some((s) => s.label === label), `special case ${label} was not generated`);
  }
  assert(report.eventFiles.minRecords >= 1 && report.eventFiles.maxRecords <= 50, 'event body sizes out of 1..50');
  assert(report.totalBytes < MAX_TOTAL_BYTES, `samples are ${report.totalBytes} bytes`);
  assert(new Set(report.badRecords.map((b) => b.reason)).size >= 10, 'bad records should cover many reasons');

  // Bad records in file order, with the generator's reason and the issue code the ledger should report.
  const badItems = placed.filter((i) => i.kind === 'bad');
  const badInFileOrder = [
    ...layout.archive.filter((i) => i.kind === 'bad'),
    ...layout.batches.flat().filter((i) => i.kind === 'bad'),
    ...layout.events.flatMap((e) => e.items).filter((i) => i.kind === 'bad'),
    ...eventGrid.deliveries.filter((i) => i.kind === 'bad'),
    ...eventGrid.engagement.filter((i) => i.kind === 'bad'),
  ];
  assert(badInFileOrder.length === badItems.length && badInFileOrder.length === report.badRecords.length, 'bad record bookkeeping');
  const badRecordReasons = report.badRecords.map((loc, k) => {
    const item = at(badInFileOrder, k);
    assert(item.badIssueCode === loc.reason, `bad record at ${loc.file} judged ${loc.reason}, meant ${item.badIssueCode}`);
    return { ...loc, reason: item.badReason ?? loc.reason, expectedIssueCode: loc.reason };
  });

  const { counts, ...details } = report;
  const expected: Expected = {
    schema: 'acs-email-ledger.samples/v1',
    generator: 'scripts/generateSamples.ts',
    seed: SEED,
    files: files.map((f) => f.path),
    ...counts,
    details: { ...details, badRecords: report.badRecords, specialCases: gen.specialCases, badRecordReasons, eventGridNotes: eventGrid.notes },
  };
  writeFileSync(expectedPathFor(dir), JSON.stringify(expected, null, 2) + '\n');
  writeFileSync(join(dir, 'README.md'), readme(expected));
  return expected;
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  const expected = generateSamples();
  const { details, ...summary } = expected;
  const { files, ...counts } = summary;
  console.log(`wrote ${files.length} files to ${SAMPLES_DIR} (${(details.totalBytes / 1024 / 1024).toFixed(2)} MB)`);
  for (const [k, v] of Object.entries(counts)) if (typeof v === 'number' && k !== 'seed') console.log(`  ${k.padEnd(28)} ${v}`);
  console.log(`  special cases: ${details.specialCases.map((s) => s.label).join(', ')}`);
}
