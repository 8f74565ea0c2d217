import type { TableClient } from '@azure/data-tables';
import pLimit from 'p-limit';
import type { DeadLetter } from '../ingest/deadLetter.js';
import { fitForTable, type StorageIo } from './partitionCommit.js';
import { numberOf, textOf } from './entityFields.js';
import { defaultStorageIo, listEntitiesWithRetry, withStorageRetry, type StorageCallIo } from './storageRetry.js';

/**
 * Dead letters live in their own table, spread over 256 partitions by the first two hex digits of their
 * id (so no single hot partition). Writes are upserts keyed by the deterministic id: idempotent.
 */
export interface StoredDeadLetter {
  readonly id: string;
  readonly reasonCode: string;
  readonly reason: string;
  readonly path: string | null;
  readonly category: string | null;
  readonly location: string;
  readonly raw: string;
  readonly rawLength: number;
  readonly truncated: boolean;
  readonly deadLetteredAt: string;
}

export async function writeDeadLetters(table: TableClient, letters: readonly DeadLetter[], io: StorageIo, now: Date): Promise<void> {
  const limit = pLimit(8);
  await Promise.all(
    letters.map((letter) =>
      limit(() =>
        withStorageRetry(
          'write dead letter',
          (abortSignal) =>
            table.upsertEntity(
              {
                partitionKey: letter.id.slice(0, 2),
                rowKey: letter.id,
                ...fitForTable({
                reasonCode: letter.issue.code,
                reason: letter.issue.message,
                path: letter.issue.path ?? '',
                category: letter.category ?? '',
                location: letter.location,
                sourceKind: letter.source.kind,
                partitionId: letter.source.kind === 'eventHub' ? letter.source.partitionId : '',
                sequenceNumber: letter.source.kind === 'eventHub' ? (letter.source.sequenceNumber ?? -1) : -1,
                file: letter.source.kind === 'file' ? letter.source.file : '',
                line: letter.source.kind === 'file' ? (letter.source.line ?? -1) : -1,
                recordIndex: letter.recordIndex ?? -1,
                raw: letter.raw,
                rawLength: letter.rawLength,
                truncated: letter.truncated,
                deadLetteredAt: now.toISOString(),
                }),
              },
              'Replace',
              { abortSignal },
            ),
          { ...io, context: { deadLetter: letter.id, location: letter.location } },
        ),
      ),
    ),
  );
}

export async function* listDeadLetters(table: TableClient, io: StorageCallIo = defaultStorageIo()): AsyncGenerator<StoredDeadLetter> {
  for await (const e of listEntitiesWithRetry(table, 'list dead letters', undefined, io)) {
    yield {
      id: e.rowKey ?? '',
      reasonCode: textOf(e, 'reasonCode') ?? '',
      reason: textOf(e, 'reason') ?? '',
      path: textOf(e, 'path') || null,
      category: textOf(e, 'category') || null,
      location: textOf(e, 'location') ?? '',
      raw: textOf(e, 'raw') ?? '',
      rawLength: numberOf(e, 'rawLength') ?? 0,
      truncated: e['truncated'] === true,
      deadLetteredAt: textOf(e, 'deadLetteredAt') ?? '',
    };
  }
}
