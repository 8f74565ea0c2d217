import { ensureError } from '../errors.js';
import { isRejectedByStorage } from '../store/storageRetry.js';

/**
 * Commits records in chunks; when storage refuses a chunk outright (400/413), halves it and tries
 * again, down to single records, so that only the records storage refuses on their own are set aside
 * (to be dead-lettered) and the good records beside them still land. Any other error propagates.
 */
export interface Rejected<E> {
  readonly events: readonly E[];
  readonly reason: string;
}

export async function commitIsolatingRejects<E, R>(
  events: readonly E[],
  chunkSize: number,
  commit: (chunk: readonly E[]) => Promise<R>,
): Promise<{ results: R[]; rejected: Rejected<E>[] }> {
  const results: R[] = [];
  const rejected: Rejected<E>[] = [];
  const attempt = async (chunk: readonly E[]): Promise<void> => {
    try {
      results.push(await commit(chunk));
    } catch (error) {
      if (!isRejectedByStorage(error)) throw error;
      if (chunk.length === 1) {
        rejected.push({ events: chunk, reason: ensureError(error).message.split('\n')[0] ?? 'rejected by storage' });
        return;
      }
      const half = Math.ceil(chunk.length / 2);
      await attempt(chunk.slice(0, half));
      await attempt(chunk.slice(half));
    }
  };
  for (let i = 0; i < events.length; i += chunkSize) await attempt(events.slice(i, i + chunkSize));
  return { results, rejected };
}
