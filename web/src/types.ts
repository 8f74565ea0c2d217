/**
 * The API's documents as the page reads them: types only, inferred from the zod schemas the API is
 * validated against (src/api/documents.ts, src/queries/documents.ts), so a renamed field breaks the
 * page's type-check instead of the page. The page and the API ship in one build, so the page reads
 * exactly this version's documents.
 */
import type { z } from 'zod';
import type {
  AlertListSchema,
  BounceListSchema,
  DeadLetterListSchema,
  MessageDocumentSchema,
  MessageStateSchema,
  RecipientDocumentSchema,
  SuppressionDocumentSchema,
} from '../../src/api/documents.js';

export type {
  ClicksDocument,
  FailureRow,
  FailuresDocument,
  GuardrailDocument,
  MessagesDocument,
  RecipientMessagesDocument,
  StatsCounts,
  StatsDocument,
  StatsRow,
  WindowMessage,
} from '../../src/queries/documents.js';

export type MessageState = z.infer<typeof MessageStateSchema>;
export type RecipientDocument = z.infer<typeof RecipientDocumentSchema>;
export type MessageDocument = z.infer<typeof MessageDocumentSchema>;
export type TimelineEntry = RecipientDocument['timeline'][number];
export type BounceList = z.infer<typeof BounceListSchema>;
export type BounceRecord = BounceList['bounces'][number];
export type AlertList = z.infer<typeof AlertListSchema>;
export type AlertEntry = AlertList['alerts'][number];
export type DeadLetterList = z.infer<typeof DeadLetterListSchema>;
export type DeadLetter = DeadLetterList['deadLetters'][number];
export type SuppressionDocument = z.infer<typeof SuppressionDocumentSchema>;
