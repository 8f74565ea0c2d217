import { BlobServiceClient, type ContainerClient, type StoragePipelineOptions } from '@azure/storage-blob';
import type { StorageTarget } from '../config.js';
import { LedgerError } from '../errors.js';
import { workerCredential } from '../store/workerCredential.js';
import { parkedBatchSchema, parkedBlobName, type ParkedBatch } from './parkedBatch.js';

/**
 * The blob container holding parked batches, one JSON blob per batch. A thin adapter: what a parked
 * document is lives in parkedBatch.ts. Parking is the last line of defence, so its calls use the SDK's
 * own retry (a few tries, each with a timeout) rather than none.
 */
export interface ParkingLot {
  /** Writes the batch; returns the blob name. Safe to repeat: the same batch lands on the same blob. */
  park(batch: ParkedBatch): Promise<string>;
  /** Every parked batch, in name order (partition, then stream order). */
  list(): AsyncIterable<{ readonly name: string; readonly batch: ParkedBatch }>;
  remove(name: string): Promise<void>;
  readonly description: string;
}

const PIPELINE: StoragePipelineOptions = { retryOptions: { maxTries: 4, tryTimeoutInMs: 30_000, retryDelayInMs: 500, maxRetryDelayInMs: 5_000 } };

export function openParkingLot(target: StorageTarget, containerName: string): ParkingLot {
  const service =
    target.kind === 'endpoint'
      ? new BlobServiceClient(target.url, workerCredential(), PIPELINE)
      : BlobServiceClient.fromConnectionString(target.connectionString, PIPELINE);
  const container = service.getContainerClient(containerName);
  const description = `${service.url.replace(/\?.*$/, '')} container ${containerName}`;
  let ensured: Promise<unknown> | undefined;
  const ensureContainer = () => {
    // In Azure the container is created by infra (storage.bicep); locally and in tests it may not exist.
    ensured ??= container.createIfNotExists().catch((error: unknown) => {
      ensured = undefined;
      throw error;
    });
    return ensured;
  };
  return {
    description,
    async park(batch) {
      const name = parkedBlobName(batch);
      const text = JSON.stringify(batch);
      await ensureContainer();
      await container.getBlockBlobClient(name).upload(text, Buffer.byteLength(text), {
        blobHTTPHeaders: { blobContentType: 'application/json' },
      });
      return name;
    },
    list: () => listParked(container, description),
    async remove(name) {
      await container.getBlockBlobClient(name).deleteIfExists();
    },
  };
}

async function* listParked(container: ContainerClient, description: string): AsyncIterable<{ name: string; batch: ParkedBatch }> {
  if (!(await container.exists())) return;
  for await (const item of container.listBlobsFlat()) {
    const buffer = await container.getBlobClient(item.name).downloadToBuffer();
    let json: unknown;
    try {
      json = JSON.parse(buffer.toString('utf8'));
    } catch (cause) {
      throw new LedgerError('input_unreadable', `Parked blob ${item.name} in ${description} is not JSON`, { cause, context: { blob: item.name } });
    }
    const parsed = parkedBatchSchema.safeParse(json);
    if (!parsed.success) {
      throw new LedgerError('input_unreadable', `Parked blob ${item.name} in ${description} is not a parked batch: ${parsed.error.issues[0]?.message ?? ''}`, {
        context: { blob: item.name },
      });
    }
    yield { name: item.name, batch: parsed.data };
  }
}
