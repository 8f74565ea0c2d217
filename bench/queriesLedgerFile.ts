import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TableClient } from '@azure/data-tables';
import { LedgerError } from '../src/errors.js';
import { AZURITE_ACCOUNT, AZURITE_KEY } from '../src/store/embeddedAzurite.js';
import { procStatusMb } from './azuriteProcess.js';

/**
 * A big ledger's table as an Azurite database file (LokiJS JSON, the format Azurite 3.35 saves under
 * --location), so the query bench can start Azurite on 100,000 messages' index in seconds. Writing the
 * same rows through Azurite's API takes hours: each write looks its row up by walking its partition
 * (LokiJS narrows by PartitionKey only), and every index partition holds a quarter of the ledger
 * (measured: 10,000 messages in 139 s, 20,000 in 396 s). The rows are the write path's own (the pure
 * projection in src/indexes/), only the way they reach the store differs.
 */
export interface FileRow {
  readonly partitionKey: string;
  readonly rowKey: string;
  readonly properties: Readonly<Record<string, string | number | boolean | null>>;
}

const COLLECTION_OPTIONS = {
  idIndex: null, constraints: null, transforms: {}, dirty: false, cachedIndex: null, cachedBinaryIndex: null, cachedData: null,
  adaptiveBinaryIndices: true, transactional: false, cloneObjects: false, cloneMethod: 'parse-stringify', asyncListeners: false,
  disableMeta: false, disableChangesApi: true, disableDeltaChangesApi: true, autoupdate: false, serializableIndices: true, disableFreeze: true,
  ttl: null, DynamicViews: [], events: { insert: [], update: [], 'pre-insert': [], 'pre-update': [], close: [], flushbuffer: [], error: [], delete: [null], warning: [null] },
  changes: [], dirtyIds: [],
};

/** Writes `<dir>/__azurite_db_table__.json` holding one table with these rows; returns the row count. */
export async function writeAzuriteTableFile(dir: string, table: string, rows: Iterable<FileRow>): Promise<number> {
  const file = path.join(dir, '__azurite_db_table__.json');
  const out = createWriteStream(file);
  const write = (text: string) => (out.write(text) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', () => resolve())));
  const stamp = '2025-03-31T00:00:00.0000000Z';
  const created = Date.parse(stamp);
  const tables = { name: '$TABLES_COLLECTION$', data: [{ account: AZURITE_ACCOUNT, table, meta: { revision: 0, created, version: 0 }, $loki: 1 }], ...COLLECTION_OPTIONS, binaryIndices: { account: { name: 'account', dirty: true, values: [] }, table: { name: 'table', dirty: true, values: [] } }, uniqueNames: [], objType: '$TABLES_COLLECTION$', maxId: 1 };
  const services = { name: '$SERVICES_COLLECTION$', data: [], ...COLLECTION_OPTIONS, binaryIndices: {}, uniqueNames: ['accountName'], objType: '$SERVICES_COLLECTION$', maxId: 0 };
  const name = `${AZURITE_ACCOUNT}$${table}`;
  await write(`{"filename":${JSON.stringify(file)},"collections":[${JSON.stringify(tables)},${JSON.stringify(services)},{"name":${JSON.stringify(name)},"data":[`);
  let n = 0;
  for (const row of rows) {
    const properties: Record<string, unknown> = { PartitionKey: row.partitionKey, RowKey: row.rowKey };
    for (const [key, value] of Object.entries(row.properties)) {
      if (value === null) continue;
      properties[key] = value;
      if (typeof value === 'number' && !(Number.isInteger(value) && Math.abs(value) < 2 ** 31)) properties[`${key}@odata.type`] = 'Edm.Double';
    }
    properties['Timestamp'] = stamp;
    properties['Timestamp@odata.type'] = 'Edm.DateTime';
    n += 1;
    const entity = { PartitionKey: row.partitionKey, RowKey: row.rowKey, properties, lastModifiedTime: stamp, eTag: `W/"datetime'2025-03-31T00%3A00%3A00.0000000Z'"`, meta: { revision: 0, created, version: 0 }, $loki: n };
    await write(`${n === 1 ? '' : ','}${JSON.stringify(entity)}`);
  }
  // Dirty binary indices: LokiJS rebuilds them (sorted) on first use.
  const rest = { ...COLLECTION_OPTIONS, binaryIndices: { PartitionKey: { name: 'PartitionKey', dirty: true, values: [] }, RowKey: { name: 'RowKey', dirty: true, values: [] } }, uniqueNames: [], objType: name, maxId: n };
  await write(`],${JSON.stringify(rest).slice(1)}],"databaseVersion":1.5,"engineVersion":1.5,"autosave":false,"autosaveInterval":5000,"autosaveHandle":null,"throttledSaves":true,"options":{"serializationMethod":"normal","destructureDelimiter":"$<\\n"},"persistenceMethod":"fs","throttledSavePending":false,"throttledCallbacks":[]}`);
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return n;
}

export interface LoadedAzurite {
  readonly connectionString: string;
  readonly loadSeconds: number;
  peakRssMb(): number | undefined;
  stop(): Promise<void>;
}

/** Azurite on the database file in `dir` (not in memory: it loads the file), ready once a table query answers. */
export async function startAzuriteOn(dir: string, table: string): Promise<LoadedAzurite> {
  const port = await new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new LedgerError('usage', 'no free port'))));
    });
  });
  const main = createRequire(import.meta.url).resolve('azurite/dist/src/table/main.js');
  const started = performance.now();
  const child = spawn(process.execPath, ['--max-old-space-size=8192', main, '--location', dir, '--tableHost', '127.0.0.1', '--tablePort', String(port), '--silent', '--disableTelemetry', '--skipApiVersionCheck'], { stdio: 'ignore' });
  const connectionString = `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};TableEndpoint=http://127.0.0.1:${port}/${AZURITE_ACCOUNT};`;
  const client = TableClient.fromConnectionString(connectionString, table, { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } });
  for (;;) {
    if (child.exitCode !== null) throw new LedgerError('storage_unavailable', `Azurite exited with ${child.exitCode} loading ${dir}`);
    try {
      await client.listEntities({ queryOptions: { filter: "PartitionKey eq 'none'" } }).byPage({ maxPageSize: 1 }).next();
      break;
    } catch {
      if (performance.now() - started > 600_000) throw new LedgerError('storage_unavailable', `Azurite did not load ${dir} within 10 minutes`);
      await sleep(500);
    }
  }
  const pid = child.pid ?? -1;
  return {
    connectionString,
    loadSeconds: (performance.now() - started) / 1000,
    peakRssMb: () => procStatusMb(pid, 'VmHWM'),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // SIGKILL: a clean stop would save the whole database again, for nothing.
      child.kill('SIGKILL');
      await exited;
    },
  };
}
