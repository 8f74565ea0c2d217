import type { TableClient, TableEntityResult } from '@azure/data-tables';
import type { ErrorContext } from '../errors.js';
import { withStorageRetry, type StorageCallIo } from './storageRetry.js';

/**
 * One page of a list that storage's own key order (PartitionKey, RowKey) sorts: the rows of a filter,
 * read in requests of at most what is still wanted, stopping as soon as `want` rows were accepted. So a
 * page costs about its own size in rows, not the table's, when `accept` keeps most rows; a selective
 * `accept` (a text search storage cannot do) reads on until it has found enough, at most 1,000 rows a
 * request, which is the cost of that search.
 */
export interface KeyOrderRead {
  readonly accepted: TableEntityResult<Record<string, unknown>>[];
  /** Rows storage returned, accepted or not: what the page cost. */
  readonly rowsRead: number;
  readonly requests: number;
}

const MAX_PAGE_SIZE = 1_000;

export async function readInKeyOrder(
  table: TableClient,
  operation: string,
  filter: string,
  want: number,
  io: StorageCallIo,
  accept: ((row: Readonly<Record<string, unknown>>) => boolean) | null = null,
): Promise<KeyOrderRead> {
  const accepted: TableEntityResult<Record<string, unknown>>[] = [];
  let rowsRead = 0;
  let requests = 0;
  let token: string | undefined;
  do {
    const from = token;
    // Without a client-side filter every row counts, so ask for exactly what is missing.
    const size = accept === null ? Math.min(MAX_PAGE_SIZE, want - accepted.length) : MAX_PAGE_SIZE;
    const page = await readOnePage(table, operation, filter, size, from, io);
    requests += 1;
    rowsRead += page.entities.length;
    for (const entity of page.entities) {
      if (accepted.length >= want) break;
      if (accept === null || accept(entity)) accepted.push(entity);
    }
    token = page.token;
    // An empty page with a token (storage stopped at a partition boundary) goes on.
  } while (token !== undefined && accepted.length < want);
  return { accepted, rowsRead, requests };
}

/** One request of a filtered listing: at most `size` rows from the token on, and the next token (undefined at the end). */
export async function readOnePage(
  table: TableClient,
  operation: string,
  filter: string,
  size: number,
  from: string | undefined,
  io: StorageCallIo,
  context: ErrorContext = {},
): Promise<{ entities: TableEntityResult<Record<string, unknown>>[]; token: string | undefined }> {
  return withStorageRetry(
    operation,
    async (abortSignal) => {
      const pages = table
        .listEntities<Record<string, unknown>>({ queryOptions: { filter }, abortSignal })
        .byPage({ maxPageSize: size, ...(from !== undefined ? { continuationToken: from } : {}) });
      const next = await pages.next();
      return next.done === true ? { entities: [], token: undefined } : { entities: [...next.value], token: next.value.continuationToken };
    },
    { policy: io.policy, meter: io.meter, context: { table: table.tableName, ...context } },
  );
}
