/**
 * Where a body or record came from, carried with it all the way to a dead letter so that any
 * rejected record can be found again at its origin.
 */
export type RecordSource =
  | {
      readonly kind: 'eventHub';
      readonly partitionId: string;
      readonly sequenceNumber?: number;
      readonly offset?: string;
      readonly enqueuedTimeUtc?: string;
      /** Position of the event in the delivered batch. */
      readonly eventIndex: number;
    }
  | {
      readonly kind: 'file';
      /** Path as given on the command line, or "-" for standard input. */
      readonly file: string;
      /** 1-based line, for NDJSON input. */
      readonly line?: number;
      /** 0-based element index, for a JSON array input. */
      readonly index?: number;
    }
  | {
      /** An Event Grid (or any authenticated) POST to /api/eventgrid: Event Grid keeps no offsets, so its arrival time is the locator. */
      readonly kind: 'webhook';
      readonly receivedAt: string;
      /** Event Grid's aeg-delivery-count header: 0 on the first attempt, higher on redeliveries. */
      readonly deliveryCount?: number;
      /** Position of the body in the request (one body per POST: 0). */
      readonly eventIndex: number;
    }
  | { readonly kind: 'inline'; readonly label: string };

/** One event body as delivered: a parsed object, a JSON string, or a Buffer, not yet decoded. */
export interface SourcedBody {
  readonly body: unknown;
  readonly source: RecordSource;
}

/** A short human-readable form: "partition 3, seq 1042", "archive/PT1H.json:17" or "webhook POST /api/eventgrid at 2025-03-14T10:00:05.123Z". */
export function describeSource(source: RecordSource): string {
  switch (source.kind) {
    case 'eventHub': {
      const seq = source.sequenceNumber === undefined ? `event ${source.eventIndex}` : `seq ${source.sequenceNumber}`;
      return `partition ${source.partitionId}, ${seq}`;
    }
    case 'file': {
      if (source.line !== undefined) return `${source.file}:${source.line}`;
      if (source.index !== undefined) return `${source.file}[${source.index}]`;
      return source.file;
    }
    case 'webhook':
      return `webhook POST /api/eventgrid at ${source.receivedAt}`;
    case 'inline':
      return source.label;
  }
}
