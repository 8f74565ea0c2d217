import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { field, type Verdict } from './countSamples.js';
import { assert, increment, isPlainObject, sortedCounts } from './json.js';
import { EVENTGRID_DELIVERIES, EVENTGRID_ENGAGEMENT } from './settings.js';
import { canonicalTime } from './time.js';

// ---------------------------------------------------------------------------------------------------
// The independent reader, Event Grid part: reads samples/eventgrid/ and merges it with the logs' view
// by the cross-source rules of issue 12 (docs/event-grid.md, "How the ledger uses them").

const DELIVERY = 'Microsoft.Communication.EmailDeliveryReportReceived';
const ENGAGEMENT = 'Microsoft.Communication.EmailEngagementTrackingReportReceived';
const STATUSES = ['Bounced', 'Delivered', 'Expanded', 'Failed', 'FilteredSpam', 'Quarantined', 'Suppressed'];
/** Event Grid has no IsHardBounce: these statuses are the hard bounces (as the logs flag Suppressed sends). */
const HARD_STATUSES = new Set(['Bounced', 'Suppressed']);

export interface EgUnit {
  readonly file: string;
  readonly line?: number;
  readonly recordIndex?: number;
  readonly parsed: boolean;
  readonly value: unknown;
  readonly text: string;
}

/** One unit per non-empty line, parsed or not (a line that is not JSON is still a record, a bad one). */
export function ndjsonUnits(file: string, text: string): EgUnit[] {
  const units: EgUnit[] = [];
  text.split('\n').forEach((line, k) => {
    if (line.trim() === '') return;
    try {
      units.push({ file, line: k + 1, parsed: true, value: JSON.parse(line), text: line });
    } catch {
      units.push({ file, line: k + 1, parsed: false, value: undefined, text: line });
    }
  });
  return units;
}

/** The Event Grid files' units, as a reader counts them: one per array element, one per non-empty NDJSON line. */
export function readEventGridUnits(dir: string): { units: EgUnit[]; bytes: number } {
  const units: EgUnit[] = [];
  let bytes = 0;
  if (existsSync(join(dir, EVENTGRID_DELIVERIES))) {
    const text = readFileSync(join(dir, EVENTGRID_DELIVERIES), 'utf8');
    bytes += Buffer.byteLength(text);
    const events: unknown = JSON.parse(text);
    assert(Array.isArray(events), `${EVENTGRID_DELIVERIES} is not an array`);
    events.forEach((value, i) => units.push({ file: EVENTGRID_DELIVERIES, recordIndex: i, parsed: true, value, text: JSON.stringify(value) }));
  }
  if (existsSync(join(dir, EVENTGRID_ENGAGEMENT))) {
    const text = readFileSync(join(dir, EVENTGRID_ENGAGEMENT), 'utf8');
    bytes += Buffer.byteLength(text);
    units.push(...ndjsonUnits(EVENTGRID_ENGAGEMENT, text));
  }
  return { units, bytes };
}

/** ISO 8601 with `Z`, no zone or `+00:00` (Event Grid's data timestamps) → the canonical 7-digit UTC time. */
function eventTime(value: unknown): string | null {
  return typeof value === 'string' ? canonicalTime(value.replace(/\+00:00$/, 'Z')) : null;
}

const text = (object: Record<string, unknown>, name: string): string | null => {
  const v = field(object, name);
  return typeof v === 'string' && v.trim() !== '' ? v : null;
};

/** "sender/{sender}/message/{messageId}": the message id when data has none. */
const SUBJECT_MESSAGE = /\/message\/([^/]+)$/i;

/** The validity rules for Event Grid events (documented in samples/README.md), in the order they are checked. */
export function judgeEventGridEvent(value: unknown): Verdict {
  if (!isPlainObject(value)) return { kind: 'bad', reason: 'not_an_object' };
  const type = text(value, 'eventType') ?? text(value, 'type');
  if (type === null) return { kind: 'bad', reason: 'missing_category' };
  if (type !== DELIVERY && type !== ENGAGEMENT) return { kind: 'foreign', category: type };
  if (text(value, 'id') === null) return { kind: 'bad', reason: 'missing_event_id' };
  const envelopeTime = field(value, 'eventTime') ?? field(value, 'time');
  if (envelopeTime !== undefined && envelopeTime !== null && envelopeTime !== '' && eventTime(envelopeTime) === null) return { kind: 'bad', reason: 'invalid_time' };
  const data = field(value, 'data');
  if (!isPlainObject(data)) return { kind: 'bad', reason: 'data_not_object' };
  if (text(data, 'recipient') === null) return { kind: 'bad', reason: 'missing_recipient' };
  if (type === DELIVERY && text(data, 'status') === null) return { kind: 'bad', reason: 'missing_delivery_status' };
  if (type === ENGAGEMENT && text(data, 'engagementType') === null) return { kind: 'bad', reason: 'missing_engagement_type' };
  const messageId = text(data, 'messageId') ?? SUBJECT_MESSAGE.exec(text(value, 'subject') ?? '')?.[1] ?? null;
  if (messageId === null) return { kind: 'bad', reason: 'missing_correlation_id' };
  const time = eventTime(field(data, type === DELIVERY ? 'deliveryAttemptTimestamp' : 'userActionTimestamp')) ?? eventTime(envelopeTime);
  if (time === null) return { kind: 'bad', reason: 'invalid_time' };
  return { kind: 'valid', category: type, correlationId: messageId.trim(), time, properties: data };
}

export interface EgRecord {
  readonly delivery: boolean;
  readonly id: string;
  readonly pair: string;
  readonly messageId: string;
  readonly recipient: string;
  /** Canonical status (delivery) or View / Click (engagement). */
  readonly what: string;
  readonly time: string;
}

export function egRecord(value: Record<string, unknown>, verdict: Verdict & { kind: 'valid' }): EgRecord {
  const data = verdict.properties;
  const delivery = verdict.category === DELIVERY;
  const raw = String(field(data, delivery ? 'status' : 'engagementType'));
  const what = delivery ? (STATUSES.find((s) => s.toLowerCase() === raw.toLowerCase()) ?? raw) : raw.toLowerCase() === 'click' ? 'Click' : 'View';
  const messageId = verdict.correlationId.toLowerCase();
  const recipient = String(field(data, 'recipient')).toLowerCase();
  return { delivery, id: String(field(value, 'id')), pair: `${messageId} ${recipient}`, messageId, recipient, what, time: verdict.time };
}

/** What the logs alone say, per recipient pair (`messageId recipient`, lower case). */
export interface LogView {
  readonly messages: ReadonlySet<string>;
  readonly pairs: ReadonlySet<string>;
  readonly addresses: ReadonlySet<string>;
  readonly hardPairs: ReadonlySet<string>;
  /** pair → status → the latest time of a log record with that status. */
  readonly deliveries: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** `pair|View` or `pair|Click` → distinct log records. */
  readonly engagement: ReadonlyMap<string, number>;
}

export interface EventGridDetails {
  readonly deliveryReports: number;
  readonly engagementReports: number;
  readonly deliveryReportsByStatus: Record<string, number>;
  readonly engagementReportsByType: Record<string, number>;
  /** Distinct (pair, status) deliveries reported by both sources / by Event Grid alone. */
  readonly deliveriesAlsoInLogs: number;
  readonly deliveriesOnlyInEventGrid: number;
  readonly messagesOnlyInEventGrid: number;
  readonly recipientsOnlyInEventGrid: number;
  readonly hardBouncesOnlyFromEventGrid: number;
  /** Of those, pairs whose only hard-bounce evidence is a Suppressed report (the logs say IsHardBounce false: an opt-out list). */
  readonly hardOnlyBySuppressedReport: number;
  /** Views and clicks per source, and merged (per recipient and type, the larger of the two counts). */
  readonly engagementBySource: { logs: Record<string, number>; eventGrid: Record<string, number>; merged: Record<string, number> };
}

export interface Merged {
  readonly messages: number;
  readonly recipients: number;
  readonly distinctRecipientAddresses: number;
  readonly hardBounces: number;
  readonly finalRecipientStatus: Record<string, number>;
  readonly eventGrid: EventGridDetails;
}

/** Logs + Event Grid by the cross-source rules: a status is kept per value, the logs' time wins for a status both report. */
export function mergeEventGrid(logs: LogView, records: readonly EgRecord[]): Merged {
  const ids = new Set<string>();
  for (const r of records) {
    assert(!ids.has(r.id), `two distinct Event Grid events share the id ${r.id}`);
    ids.add(r.id);
  }
  const reports = records.filter((r) => r.delivery);
  const views = records.filter((r) => !r.delivery);
  const deliveries = new Map<string, Map<string, string>>();
  for (const [pair, statuses] of logs.deliveries) deliveries.set(pair, new Map(statuses));
  const alsoInLogs = new Set<string>();
  const onlyInEventGrid = new Map<string, string>(); // `pair|status` → latest Event Grid time
  for (const r of reports) {
    const key = `${r.pair}|${r.what}`;
    if (logs.deliveries.get(r.pair)?.has(r.what) === true) alsoInLogs.add(key);
    else if ((onlyInEventGrid.get(key) ?? '') < r.time) onlyInEventGrid.set(key, r.time);
  }
  for (const [key, time] of onlyInEventGrid) {
    const [pair = '', status = ''] = key.split('|');
    const statuses = deliveries.get(pair) ?? new Map<string, string>();
    statuses.set(status, time);
    deliveries.set(pair, statuses);
  }
  const finalRecipientStatus: Record<string, number> = {};
  for (const statuses of deliveries.values()) {
    const latest = [...statuses.values()].reduce((a, b) => (b > a ? b : a));
    const at = [...statuses].filter(([, t]) => t === latest);
    increment(finalRecipientStatus, at.length > 1 ? 'tie (see specialCases)' : (at[0]?.[0] ?? ''));
  }
  const hard = new Set(logs.hardPairs);
  for (const r of reports) if (HARD_STATUSES.has(r.what)) hard.add(r.pair);
  const bouncedPairs = new Set(reports.filter((r) => r.what === 'Bounced').map((r) => r.pair));
  const bySuppressedOnly = [...hard].filter((p) => !logs.hardPairs.has(p) && !bouncedPairs.has(p)).length;
  const egCounts = new Map<string, number>();
  for (const r of views) egCounts.set(`${r.pair}|${r.what}`, (egCounts.get(`${r.pair}|${r.what}`) ?? 0) + 1);
  const bySource = { logs: {} as Record<string, number>, eventGrid: {} as Record<string, number>, merged: {} as Record<string, number> };
  for (const key of new Set([...logs.engagement.keys(), ...egCounts.keys()])) {
    const type = key.slice(key.lastIndexOf('|') + 1);
    const fromLogs = logs.engagement.get(key) ?? 0;
    const fromEventGrid = egCounts.get(key) ?? 0;
    increment(bySource.logs, type, fromLogs);
    increment(bySource.eventGrid, type, fromEventGrid);
    increment(bySource.merged, type, Math.max(fromLogs, fromEventGrid));
  }
  const messages = new Set([...logs.messages, ...records.map((r) => r.messageId)]);
  const pairs = new Set([...logs.pairs, ...records.map((r) => r.pair)]);
  const byStatus: Record<string, number> = {};
  for (const r of reports) increment(byStatus, r.what);
  const byType: Record<string, number> = {};
  for (const r of views) increment(byType, r.what);
  return {
    messages: messages.size,
    recipients: pairs.size,
    distinctRecipientAddresses: new Set([...logs.addresses, ...records.map((r) => r.recipient)]).size,
    hardBounces: hard.size,
    finalRecipientStatus: sortedCounts(finalRecipientStatus),
    eventGrid: {
      deliveryReports: reports.length,
      engagementReports: views.length,
      deliveryReportsByStatus: sortedCounts(byStatus),
      engagementReportsByType: sortedCounts(byType),
      deliveriesAlsoInLogs: alsoInLogs.size,
      deliveriesOnlyInEventGrid: onlyInEventGrid.size,
      messagesOnlyInEventGrid: messages.size - logs.messages.size,
      recipientsOnlyInEventGrid: pairs.size - logs.pairs.size,
      hardBouncesOnlyFromEventGrid: hard.size - logs.hardPairs.size,
      hardOnlyBySuppressedReport: bySuppressedOnly,
      engagementBySource: { logs: sortedCounts(bySource.logs), eventGrid: sortedCounts(bySource.eventGrid), merged: sortedCounts(bySource.merged) },
    },
  };
}
