import { TableClient, TableServiceClient } from '@azure/data-tables';

/**
 * What a run left in storage: every entity of every table on the account (a fresh Azurite holds only
 * this run's tables), counted and sized two ways:
 * - JSON bytes: the entity's properties as JSON, as a rough "how much data";
 * - billed bytes: Azure Table Storage's documented entity size, 4 bytes + 2 per key character + per
 *   property 8 bytes, 2 per name character and the value's size (string 4 + 2 per character, Int32 4,
 *   Int64/Double/DateTime 8, Guid 16, Boolean 1, Binary 4 + its bytes). Source:
 *   https://learn.microsoft.com/en-us/archive/blogs/avkashchauhan/how-the-size-of-an-entity-is-caclulated-in-windows-azure-table-storage
 */
export interface StoredRows {
  readonly rows: number;
  readonly jsonBytes: number;
  readonly billedBytes: number;
  readonly byTable: Readonly<Record<string, number>>;
}

const SYSTEM = new Set(['partitionKey', 'rowKey', 'timestamp', 'etag', 'odata.etag', 'odata.metadata']);

export async function storedRows(connectionString: string, tablePrefix = ''): Promise<StoredRows> {
  const service = TableServiceClient.fromConnectionString(connectionString, { allowInsecureConnection: true });
  let rows = 0;
  let jsonBytes = 0;
  let billedBytes = 0;
  const byTable: Record<string, number> = Object.create(null) as Record<string, number>;
  for await (const table of service.listTables()) {
    const name = table.name ?? '';
    if (!name.startsWith(tablePrefix)) continue;
    const client = TableClient.fromConnectionString(connectionString, name, { allowInsecureConnection: true });
    let count = 0;
    for await (const entity of client.listEntities<Record<string, unknown>>({ disableTypeConversion: true })) {
      count += 1;
      const { json, billed } = entitySizes(entity);
      jsonBytes += json;
      billedBytes += billed;
    }
    byTable[name] = count;
    rows += count;
  }
  return { rows, jsonBytes, billedBytes, byTable };
}

const keyText = (key: unknown): string => (typeof key === 'string' ? key : '');

function entitySizes(entity: Record<string, unknown>): { json: number; billed: number } {
  const keyChars = keyText(entity['partitionKey']).length + keyText(entity['rowKey']).length;
  let billed = 4 + 2 * keyChars;
  const plain: Record<string, unknown> = { PartitionKey: entity['partitionKey'], RowKey: entity['rowKey'] };
  for (const [name, raw] of Object.entries(entity)) {
    if (SYSTEM.has(name)) continue;
    const typed = typedValue(raw);
    plain[name] = typed.value;
    billed += 8 + 2 * name.length + valueSize(typed);
  }
  return { json: Buffer.byteLength(JSON.stringify(plain)), billed };
}

interface TypedValue {
  readonly value: unknown;
  readonly type: string;
}

/** With type conversion off, the SDK gives `{ value, type }` for typed values and plain strings or booleans otherwise. */
function typedValue(raw: unknown): TypedValue {
  if (typeof raw === 'object' && raw !== null && 'type' in raw && 'value' in raw) {
    const { value, type } = raw;
    return { value, type: String(type) };
  }
  if (typeof raw === 'boolean') return { value: raw, type: 'Boolean' };
  if (typeof raw === 'number') return { value: raw, type: Number.isInteger(raw) ? 'Int32' : 'Double' };
  return { value: raw, type: 'String' };
}

function valueSize({ value, type }: TypedValue): number {
  switch (type) {
    case 'Int32':
      return 4;
    case 'Int64':
    case 'Double':
    case 'DateTime':
      return 8;
    case 'Guid':
      return 16;
    case 'Boolean':
      return 1;
    case 'Binary':
      return 4 + Buffer.from(String(value), 'base64').length;
    default:
      return 4 + 2 * String(value).length;
  }
}
