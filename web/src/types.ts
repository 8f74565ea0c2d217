/**
 * The API's documents as the page reads them: types only, inferred from the zod schemas the API is
 * validated against (src/api/documents.ts, src/queries/documents.ts), so a renamed field breaks the
 * page's type-check instead of the page. Documents still being added (failures, clicks, guardrail,
 * timelines, paged lists) are declared here as the design describes them, optional where they may be
 * absent on an older API.
 */
import type { z } from 'zod';
import type { AlertListSchema, BounceRecordSchema, DeadLetterListSchema, MessageDocumentSchema, MessageStateSchema, RecipientDocumentSchema } from '../../src/api/documents.js';

export type { MessagesDocument, RecipientMessagesDocument, StatsCounts, StatsDocument, StatsRow, WindowMessage } from '../../src/queries/documents.js';

export type MessageState = z.infer<typeof MessageStateSchema>;
export type BounceRecord = z.infer<typeof BounceRecordSchema>;
export type AlertEntry = z.infer<typeof AlertListSchema>['alerts'][number];
export type DeadLetter = z.infer<typeof DeadLetterListSchema>['deadLetters'][number];

export interface TimelineEntry {
  readonly time: string;
  readonly kind: 'status' | 'view' | 'click' | 'engagement';
  readonly status: string | null;
  readonly smtpStatusCode: string | null;
  readonly enhancedSmtpStatusCode: string | null;
  readonly failureReason: string | null;
  readonly failureMessage: string | null;
  readonly url: string | null;
  readonly userAgent: string | null;
}

export type RecipientDocument = z.infer<typeof RecipientDocumentSchema> & {
  readonly timeline?: readonly TimelineEntry[];
  readonly timelineTruncated?: boolean;
};

export type MessageDocument = Omit<z.infer<typeof MessageDocumentSchema>, 'recipients'> & {
  readonly recipients: readonly RecipientDocument[];
  readonly timeline?: readonly TimelineEntry[];
};

/** API 2.0.0 pages its lists; 1.x answered a bare array. */
export type Paged<K extends string, T> = readonly T[] | ({ readonly [key in K]: readonly T[] } & { readonly continuation: string | null });

export function pageOf<K extends string, T>(body: Paged<K, T>, key: K): { items: readonly T[]; continuation: string | null } {
  if (Array.isArray(body)) return { items: body as readonly T[], continuation: null };
  const paged = body as { readonly [key in K]: readonly T[] } & { readonly continuation: string | null };
  return { items: paged[key], continuation: paged.continuation ?? null };
}

export interface FailureRow {
  readonly status: string;
  readonly smtpStatusCode: string | null;
  readonly enhancedSmtpStatusCode: string | null;
  readonly failure: string;
  readonly recipients: number;
}

export interface FailuresDocument {
  readonly from: string;
  readonly to: string;
  readonly failures: readonly FailureRow[];
  readonly totalFailed: number;
  readonly rowsRead: number;
}

export interface ClicksDocument {
  readonly from: string;
  readonly to: string;
  readonly urls: readonly { readonly url: string; readonly clickers: number }[];
  readonly rowsRead: number;
}

export interface GuardrailDomain {
  readonly senderDomain: string;
  readonly sends: number;
  readonly hardBounces: number;
  readonly rate: number | null;
  readonly level: 'ok' | 'warning' | 'critical';
}

export interface GuardrailDocument {
  readonly at: string;
  readonly windowHours: number;
  readonly warning: number;
  readonly critical: number;
  readonly domains: readonly GuardrailDomain[];
}
