import { type Outcome } from './model.js';

// ---------------------------------------------------------------------------------------------------
// Messages singled out for the edge cases a reader must get right

export interface Special {
  readonly sender: string;
  readonly address?: string;
  readonly outcome?: Outcome;
  readonly statusBeforeSendForced?: boolean;
  readonly engagementBeforeStatusForced?: boolean;
}

export const SUPERSEDE_NATURAL_ADDRESS = 'harper.quinn@example.org';
export const SUPERSEDE_REVERSED_ADDRESS = 'rowan.ellis@example.net';
export const TIE_ADDRESS = 'sasha.morgan@example.com';
export const SPECIAL_ADDRESSES = new Set([SUPERSEDE_NATURAL_ADDRESS, SUPERSEDE_REVERSED_ADDRESS, TIE_ADDRESS]);

/** Message index → special treatment. */
export const SPECIALS: ReadonlyMap<number, Special> = new Map([
  [40, { sender: 'mail.example.org', address: SUPERSEDE_NATURAL_ADDRESS, outcome: 'SupersedeNatural' as const }],
  [60, { sender: 'example.net', statusBeforeSendForced: true }],
  [95, { sender: 'example.net', address: SUPERSEDE_REVERSED_ADDRESS, outcome: 'SupersedeReversed' as const }],
  [120, { sender: 'example.com', engagementBeforeStatusForced: true }],
  [150, { sender: 'example.com', address: TIE_ADDRESS, outcome: 'Tie' as const }],
]);
/** Messages whose SendMail record is delayed 10-30 min in the pipeline (their statuses usually arrive first). */
export const LATE_SENDMAIL = new Set([12, 77, 133, 201, 254, 310]);
/** Messages whose first Delivered recipient has its status delayed until after its engagement records. */
export const LATE_STATUS = new Set([33, 188, 231, 290]);
