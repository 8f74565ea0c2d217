import { classifyRecord } from '../ingest/classifyRecord.js';
import { decodeBody } from '../ingest/decodeBody.js';
import type { MessageEvent, UsageEvent } from '../ingest/ledgerEvent.js';
import type { SourcedBody } from '../ingest/recordSource.js';
import { type DeadLetter, toDeadLetter } from '../ingest/deadLetter.js';
import { counts } from './batchReport.js';

/**
 * The pure half of a batch: decode every body, classify every record, drop in-batch repeats, and group
 * what is left by the storage partition it will be written to. No I/O.
 */
export interface TriagedBatch {
  readonly records: number;
  readonly messageGroups: ReadonlyMap<string, readonly MessageEvent[]>;
  readonly usageGroups: ReadonlyMap<string, { readonly resourceId: string | null; readonly day: string; readonly events: readonly UsageEvent[] }>;
  readonly deadLetters: readonly DeadLetter[];
  readonly ignoredByCategory: Readonly<Record<string, number>>;
  readonly ignored: number;
  /** Repeats of a record already seen earlier in this same batch. */
  readonly batchDuplicates: number;
}

export function triageBatch(bodies: readonly SourcedBody[], deadLetterRawLimit: number): TriagedBatch {
  let records = 0;
  let ignored = 0;
  let batchDuplicates = 0;
  const ignoredByCategory = new Map<string, number>();
  const deadLetters: DeadLetter[] = [];
  const seen = new Set<string>();
  const messageGroups = new Map<string, MessageEvent[]>();
  const usageGroups = new Map<string, { resourceId: string | null; day: string; events: UsageEvent[] }>();

  for (const { body, source } of bodies) {
    const decoded = decodeBody(body);
    if (!decoded.ok) {
      records += 1;
      deadLetters.push(toDeadLetter(decoded.issue, decoded.raw, source, null, null, deadLetterRawLimit));
      continue;
    }
    const bodyRecords = decoded.records;
    for (let recordIndex = 0; recordIndex < bodyRecords.length; recordIndex += 1) {
      records += 1;
      const classified = classifyRecord(bodyRecords[recordIndex], source, recordIndex);
      if (classified.kind === 'ignored') {
        ignored += 1;
        ignoredByCategory.set(classified.category, (ignoredByCategory.get(classified.category) ?? 0) + 1);
        continue;
      }
      if (classified.kind === 'invalid') {
        deadLetters.push(toDeadLetter(classified.issue, classified.raw, source, recordIndex, classified.category, deadLetterRawLimit));
        continue;
      }
      const event = classified.event;
      // Usage is de-duplicated on its RecordId (each counted once), everything else on content.
      const identity = event.kind === 'usage' ? `usage:${event.resourceId ?? ''}:${event.day}:${event.recordId}` : event.fingerprint;
      if (seen.has(identity)) {
        batchDuplicates += 1;
        continue;
      }
      seen.add(identity);
      if (event.kind === 'usage') {
        const key = `${event.resourceId ?? ''}|${event.day}`;
        const group = usageGroups.get(key);
        if (group === undefined) usageGroups.set(key, { resourceId: event.resourceId, day: event.day, events: [event] });
        else group.events.push(event);
      } else {
        const group = messageGroups.get(event.messageId);
        if (group === undefined) messageGroups.set(event.messageId, [event]);
        else group.push(event);
      }
    }
  }
  return { records, messageGroups, usageGroups, deadLetters, ignoredByCategory: counts(ignoredByCategory), ignored, batchDuplicates };
}
