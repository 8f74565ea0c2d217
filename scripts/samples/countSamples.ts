import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isPlainObject, assert, increment, sortedCounts } from './json.js';
import { SAMPLES_DIR, EVENTS_DIR, ARCHIVE_FILE, BATCHES_FILE, EVENT_FILE_PATTERN, EVENTGRID_DIR, EVENTGRID_DELIVERIES, EVENTGRID_ENGAGEMENT } from './settings.js';
import { egRecord, judgeEventGridEvent, mergeEventGrid, ndjsonUnits, readEventGridUnits, type EgRecord, type EventGridDetails } from './countEventGrid.js';
import { canonicalTime } from './time.js';
import { CAT_SEND, CAT_STATUS, CAT_ENGAGEMENT, CAT_USAGE, OUR_CATEGORIES } from './vocabulary.js';

// ---------------------------------------------------------------------------------------------------
// The independent reader: reads samples/ back from disk and counts what a ledger must count

export interface BadRecordLocation {
  readonly file: string;
  /** 1-based line, for the NDJSON archive. */
  readonly line?: number;
  /** 0-based element of the top-level array, for batches.json. */
  readonly bodyIndex?: number;
  /** 0-based index in "records". */
  readonly recordIndex?: number;
  readonly reason: string;
}

export interface SampleCounts {
  /** Records as a reader counts them: one per element of "records", one per NDJSON line (parseable or not). */
  readonly totalRecords: number;
  /** Records of the four categories that are valid, each distinct content counted once. */
  readonly distinctValidRecords: number;
  /** Further copies of a valid record whose content was already seen (byte-identical after JSON parsing). */
  readonly duplicateRecords: number;
  /** Records of other ACS categories (SMSOperational, ChatOperational, ...): ignored, not dead-lettered. */
  readonly foreignRecords: number;
  /** Unusable records and lines: dead letters. */
  readonly badRecords: number;
  /** Distinct message ids among valid email records and Event Grid reports. Every one in the logs has a SendMail record. */
  readonly messages: number;
  /** Distinct (message, recipient) pairs among valid recipient-level status and engagement records and Event Grid reports. */
  readonly recipients: number;
  /** Distinct recipient addresses over all messages. */
  readonly distinctRecipientAddresses: number;
  /** Distinct (message, recipient) pairs with a valid status record with IsHardBounce true, or an Event Grid Bounced / Suppressed report. */
  readonly hardBounces: number;
}

export interface ReadRecord {
  readonly file: string;
  readonly position: number;
  readonly category: string;
  readonly correlationId: string;
  readonly time: string;
  readonly properties: Record<string, unknown>;
}

export function fieldText(object: Record<string, unknown>, name: string): string {
  const value = field(object, name);
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

export function field(object: Record<string, unknown>, name: string): unknown {
  if (name in object) return object[name];
  const lower = name.toLowerCase();
  const key = Object.keys(object).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : object[key];
}

export function looseBool(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (v === 'true') return true;
    if (v === 'false' || v === '') return false;
  }
  if (value === undefined || value === null) return false;
  return null;
}

export type Verdict = { kind: 'foreign'; category: string } | { kind: 'bad'; reason: string } | { kind: 'valid'; category: string; correlationId: string; time: string; properties: Record<string, unknown> };

/** The validity rules the expected counts are based on (documented in samples/README.md). */
export function judgeRecord(value: unknown): Verdict {
  if (!isPlainObject(value)) return { kind: 'bad', reason: 'not_an_object' };
  const category = field(value, 'category');
  if (typeof category !== 'string' || category.trim() === '') return { kind: 'bad', reason: 'missing_category' };
  if (!OUR_CATEGORIES.includes(category)) return { kind: 'foreign', category };
  const properties = field(value, 'properties') ?? {};
  if (!isPlainObject(properties)) return { kind: 'bad', reason: 'properties_not_object' };
  const time = canonicalTime(field(value, 'time'));
  if (time === null) return { kind: 'bad', reason: 'invalid_time' };
  const correlation = field(value, 'correlationId');
  const correlationId = typeof correlation === 'string' ? correlation.trim() : '';
  if (correlationId === '' && category !== CAT_USAGE) return { kind: 'bad', reason: 'missing_correlation_id' };
  const text = (name: string): string | null => {
    const v = field(properties, name);
    return typeof v === 'string' && v.trim() !== '' ? v : null;
  };
  if (category === CAT_STATUS) {
    if (text('DeliveryStatus') === null) return { kind: 'bad', reason: 'missing_delivery_status' };
    if (typeof field(properties, 'RecipientId') !== 'string') return { kind: 'bad', reason: 'invalid_field' };
    if (looseBool(field(properties, 'IsHardBounce')) === null) return { kind: 'bad', reason: 'invalid_field' };
  }
  if (category === CAT_ENGAGEMENT) {
    if (text('RecipientId') === null) return { kind: 'bad', reason: 'missing_recipient' };
    if (text('EngagementType') === null) return { kind: 'bad', reason: 'missing_engagement_type' };
  }
  if (category === CAT_USAGE) {
    if (text('usageType') === null || text('unitType') === null || !Number.isFinite(Number(field(properties, 'quantity')))) {
      return { kind: 'bad', reason: 'invalid_field' };
    }
  }
  return { kind: 'valid', category, correlationId, time, properties };
}

export interface CountReport {
  readonly counts: SampleCounts;
  readonly perFile: Record<string, { records: number; valid: number; duplicates: number; foreign: number; bad: number }>;
  readonly validByCategory: Record<string, number>;
  readonly duplicatesByCategory: Record<string, number>;
  readonly foreignByCategory: Record<string, number>;
  readonly statusRecordsByDeliveryStatus: Record<string, number>;
  readonly engagementRecordsByType: Record<string, number>;
  readonly hardBouncesByStatus: Record<string, number>;
  /** Suppressed status records with IsHardBounce false (customer opt-out list, not a hard bounce). */
  readonly suppressedNotHardBounce: number;
  readonly finalRecipientStatus: Record<string, number>;
  readonly tiePairs: { messageId: string; recipient: string; time: string; statuses: string[] }[];
  readonly badRecords: BadRecordLocation[];
  readonly badByReason: Record<string, number>;
  readonly withinFileOrdering: {
    messagesWithStatusBeforeSendMail: number;
    recipientsWithEngagementBeforeStatus: number;
    duplicatesInSameFileAsOriginal: number;
    duplicatesInAnotherFile: number;
  };
  readonly formats: Record<string, number>;
  readonly eventFiles: { count: number; minRecords: number; maxRecords: number; pretty: string[] };
  readonly totalBytes: number;
  readonly eventGrid: EventGridDetails;
}

/** Lists the files this script writes (and, before writing, removes). */
export function generatedFiles(dir: string): string[] {
  const out: string[] = [];
  for (const f of [ARCHIVE_FILE, BATCHES_FILE, EVENTGRID_DELIVERIES, EVENTGRID_ENGAGEMENT, 'README.md']) if (existsSync(join(dir, f))) out.push(f);
  if (existsSync(join(dir, EVENTS_DIR))) {
    for (const f of readdirSync(join(dir, EVENTS_DIR)).sort()) if (EVENT_FILE_PATTERN.test(f)) out.push(`${EVENTS_DIR}/${f}`);
  }
  return out;
}

/** Reads samples/ from disk (archive, then batches.json, then events/ in name order) and counts. */
export function countSamples(dir: string = SAMPLES_DIR): CountReport {
  const units: { file: string; line?: number; bodyIndex?: number; recordIndex?: number; parsed: boolean; value: unknown; text: string }[] = [];
  let totalBytes = 0;
  const archiveText = readFileSync(join(dir, ARCHIVE_FILE), 'utf8');
  totalBytes += Buffer.byteLength(archiveText);
  units.push(...ndjsonUnits(ARCHIVE_FILE, archiveText));
  const batchesText = readFileSync(join(dir, BATCHES_FILE), 'utf8');
  totalBytes += Buffer.byteLength(batchesText);
  const batches: unknown = JSON.parse(batchesText);
  assert(Array.isArray(batches), 'batches.json is not an array');
  batches.forEach((body, b) => {
    assert(isPlainObject(body) && Array.isArray(body['records']), `batches.json[${b}] is not {"records":[...]}`);
    (body['records'] as unknown[]).forEach((value, r) => units.push({ file: BATCHES_FILE, bodyIndex: b, recordIndex: r, parsed: true, value, text: JSON.stringify(value) }));
  });
  const eventNames = readdirSync(join(dir, EVENTS_DIR)).filter((f) => EVENT_FILE_PATTERN.test(f)).sort();
  const eventSizes: number[] = [];
  const pretty: string[] = [];
  for (const name of eventNames) {
    const path = `${EVENTS_DIR}/${name}`;
    const text = readFileSync(join(dir, path), 'utf8');
    totalBytes += Buffer.byteLength(text);
    if (text.includes('\n  ')) pretty.push(path);
    const body: unknown = JSON.parse(text);
    assert(isPlainObject(body) && Array.isArray(body['records']), `${path} is not {"records":[...]}`);
    const records = body['records'] as unknown[];
    eventSizes.push(records.length);
    records.forEach((value, r) => units.push({ file: path, recordIndex: r, parsed: true, value, text: JSON.stringify(value) }));
  }
  const eventGridUnits = readEventGridUnits(dir);
  units.push(...eventGridUnits.units);
  totalBytes += eventGridUnits.bytes;

  const perFile: CountReport['perFile'] = {};
  const fileStats = (f: string): CountReport['perFile'][string] => (perFile[f] ??= { records: 0, valid: 0, duplicates: 0, foreign: 0, bad: 0 });
  const seen = new Map<string, string>(); // canonical content → file of first sighting
  const valid: ReadRecord[] = [];
  const validByCategory: Record<string, number> = {};
  const duplicatesByCategory: Record<string, number> = {};
  const foreignByCategory: Record<string, number> = {};
  const badRecords: BadRecordLocation[] = [];
  const badByReason: Record<string, number> = {};
  const formats: Record<string, number> = {};
  let duplicates = 0;
  let foreign = 0;
  let dupSameFile = 0;
  let dupOtherFile = 0;
  const semanticKeys = new Set<string>();
  const eventGridRecords: EgRecord[] = [];

  units.forEach((u, position) => {
    const stats = fileStats(u.file);
    stats.records++;
    const fromEventGrid = u.file.startsWith(`${EVENTGRID_DIR}/`);
    const verdict: Verdict = !u.parsed ? { kind: 'bad', reason: 'invalid_json' } : fromEventGrid ? judgeEventGridEvent(u.value) : judgeRecord(u.value);
    if (verdict.kind === 'bad') {
      stats.bad++;
      increment(badByReason, verdict.reason);
      badRecords.push({
        file: u.file,
        ...(u.line === undefined ? {} : { line: u.line }),
        ...(u.bodyIndex === undefined ? {} : { bodyIndex: u.bodyIndex }),
        ...(u.recordIndex === undefined ? {} : { recordIndex: u.recordIndex }),
        reason: verdict.reason,
      });
      return;
    }
    if (verdict.kind === 'foreign') {
      stats.foreign++;
      foreign++;
      increment(foreignByCategory, verdict.category);
      return;
    }
    const canonical = JSON.stringify(u.value);
    const first = seen.get(canonical);
    if (first !== undefined) {
      stats.duplicates++;
      duplicates++;
      increment(duplicatesByCategory, verdict.category);
      if (first === u.file) dupSameFile++;
      else dupOtherFile++;
      return;
    }
    seen.set(canonical, u.file);
    stats.valid++;
    increment(validByCategory, verdict.category);
    if (fromEventGrid) {
      eventGridRecords.push(egRecord(u.value as Record<string, unknown>, verdict));
      return;
    }
    const p = verdict.properties;
    const rawTime = field(u.value as Record<string, unknown>, 'time') as string;
    const shape = `${/\.\d{7}/.test(rawTime) ? '7 digits' : '3 digits'}${rawTime.endsWith('Z') ? ' + Z' : ', no zone'}`;
    increment(formats, `time: ${shape}`);
    increment(formats, `keys: ${'time' in (u.value as object) ? 'camelCase' : 'PascalCase'}`);
    const rid = String(field(u.value as Record<string, unknown>, 'resourceId'));
    increment(formats, `resourceId: ${rid.startsWith('/') ? 'leading slash' : 'no leading slash'}, ${rid === rid.toUpperCase() ? 'upper case' : rid === rid.toLowerCase() ? 'lower case' : 'mixed case'}`);
    if (verdict.category === CAT_STATUS) increment(formats, `IsHardBounce: ${JSON.stringify(field(p, 'IsHardBounce'))}`);
    if (verdict.category === CAT_SEND) {
      increment(formats, `SendMail Size: ${typeof field(p, 'Size')}`);
      increment(formats, `SendMail counts: ${typeof field(p, 'UniqueRecipientsCount')}`);
    }
    // Distinct records must stay distinct under any reasonable content key, too.
    const semantic = [
      verdict.category,
      verdict.correlationId.toLowerCase(),
      verdict.time,
      fieldText(p, 'RecipientId').toLowerCase(),
      fieldText(p, 'DeliveryStatus') || fieldText(p, 'EngagementType'),
      fieldText(p, 'recordId'),
    ].join('|');
    assert(!semanticKeys.has(semantic), `two distinct records share the content key ${semantic}`);
    semanticKeys.add(semantic);
    valid.push({ file: u.file, position, category: verdict.category, correlationId: verdict.correlationId.toLowerCase(), time: verdict.time, properties: p });
  });

  // Messages, recipients, hard bounces, final states.
  const emailRecords = valid.filter((r) => r.category !== CAT_USAGE);
  const messages = new Set(emailRecords.map((r) => r.correlationId));
  const sendMails = valid.filter((r) => r.category === CAT_SEND);
  assert(sendMails.length === messages.size, 'every message must have exactly one SendMail record');
  for (const r of valid.filter((x) => x.category === CAT_USAGE)) assert(messages.has(r.correlationId), 'usage record for an unknown message');
  const pairKey = (r: ReadRecord): string => `${r.correlationId} ${String(field(r.properties, 'RecipientId')).toLowerCase()}`;
  const recipientRecords = emailRecords.filter((r) => r.category !== CAT_SEND && fieldText(r.properties, 'RecipientId') !== '');
  const pairs = new Set(recipientRecords.map(pairKey));
  const addresses = new Set(recipientRecords.map((r) => String(field(r.properties, 'RecipientId')).toLowerCase()));
  const statusRecords = emailRecords.filter((r) => r.category === CAT_STATUS);
  const statusByDelivery: Record<string, number> = {};
  for (const r of statusRecords) increment(statusByDelivery, `${String(field(r.properties, 'DeliveryStatus'))}${String(field(r.properties, 'RecipientId')) === '' ? ' (message-level)' : ''}`);
  const engagementByType: Record<string, number> = {};
  for (const r of emailRecords.filter((x) => x.category === CAT_ENGAGEMENT)) increment(engagementByType, String(field(r.properties, 'EngagementType')));
  const hardPairs = new Map<string, string>();
  for (const r of statusRecords) {
    if (String(field(r.properties, 'RecipientId')) !== '' && looseBool(field(r.properties, 'IsHardBounce')) === true && !hardPairs.has(pairKey(r))) {
      hardPairs.set(pairKey(r), String(field(r.properties, 'DeliveryStatus')));
    }
  }
  const hardBouncesByStatus: Record<string, number> = {};
  for (const status of hardPairs.values()) increment(hardBouncesByStatus, status);

  // Unique recipients per SendMail add up to the pairs; every pair has at least one status.
  const uniqueSum = sendMails.reduce((sum, r) => sum + Number(field(r.properties, 'UniqueRecipientsCount')), 0);
  assert(uniqueSum === pairs.size, `sum of UniqueRecipientsCount ${uniqueSum} != recipient pairs ${pairs.size}`);
  for (const r of sendMails) {
    const n = (k: string): number => Number(field(r.properties, k));
    assert(n('ToRecipientsCount') + n('CcRecipientsCount') + n('BccRecipientsCount') >= n('UniqueRecipientsCount'), 'To+Cc+Bcc < Unique');
  }
  const statusByPair = new Map<string, ReadRecord[]>();
  for (const r of statusRecords) {
    if (String(field(r.properties, 'RecipientId')) === '') continue;
    const list = statusByPair.get(pairKey(r)) ?? [];
    list.push(r);
    statusByPair.set(pairKey(r), list);
  }
  assert(statusByPair.size === pairs.size, 'every recipient pair must have a status record');
  const tiePairs: CountReport['tiePairs'] = [];
  const logDeliveries = new Map<string, Map<string, string>>();
  for (const [key, list] of statusByPair) {
    const latest = list.reduce((a, b) => (b.time > a.time ? b : a));
    const tied = list.filter((r) => r.time === latest.time);
    if (tied.length > 1) {
      const [messageId = '', recipient = ''] = key.split(' ');
      tiePairs.push({ messageId, recipient, time: latest.time, statuses: tied.map((r) => String(field(r.properties, 'DeliveryStatus'))).sort() });
    }
    const statuses = new Map<string, string>();
    for (const r of list) {
      const status = String(field(r.properties, 'DeliveryStatus'));
      if ((statuses.get(status) ?? '') < r.time) statuses.set(status, r.time);
    }
    logDeliveries.set(key, statuses);
  }
  const logEngagement = new Map<string, number>();
  for (const r of emailRecords.filter((x) => x.category === CAT_ENGAGEMENT)) {
    const key = `${pairKey(r)}|${String(field(r.properties, 'EngagementType'))}`;
    logEngagement.set(key, (logEngagement.get(key) ?? 0) + 1);
  }
  const merged = mergeEventGrid({ messages, pairs, addresses, hardPairs: new Set(hardPairs.keys()), deliveries: logDeliveries, engagement: logEngagement }, eventGridRecords);

  // Out-of-order arrival inside one file (across files no order is implied).
  let statusBeforeSend = 0;
  let engagementBeforeStatus = 0;
  const byFile = new Map<string, ReadRecord[]>();
  for (const r of valid) byFile.set(r.file, [...(byFile.get(r.file) ?? []), r]);
  for (const list of byFile.values()) {
    const sendPos = new Map<string, number>();
    const firstStatus = new Map<string, number>();
    const firstPairStatus = new Map<string, number>();
    const firstPairEngagement = new Map<string, number>();
    for (const r of list) {
      if (r.category === CAT_SEND) sendPos.set(r.correlationId, r.position);
      if (r.category === CAT_STATUS && !firstStatus.has(r.correlationId)) firstStatus.set(r.correlationId, r.position);
      if (r.category === CAT_STATUS && String(field(r.properties, 'RecipientId')) !== '' && !firstPairStatus.has(pairKey(r))) firstPairStatus.set(pairKey(r), r.position);
      if (r.category === CAT_ENGAGEMENT && !firstPairEngagement.has(pairKey(r))) firstPairEngagement.set(pairKey(r), r.position);
    }
    for (const [m, pos] of sendPos) if ((firstStatus.get(m) ?? Infinity) < pos) statusBeforeSend++;
    for (const [p, pos] of firstPairStatus) if ((firstPairEngagement.get(p) ?? Infinity) < pos) engagementBeforeStatus++;
  }

  const counts: SampleCounts = {
    totalRecords: units.length,
    distinctValidRecords: valid.length + eventGridRecords.length,
    duplicateRecords: duplicates,
    foreignRecords: foreign,
    badRecords: badRecords.length,
    messages: merged.messages,
    recipients: merged.recipients,
    distinctRecipientAddresses: merged.distinctRecipientAddresses,
    hardBounces: merged.hardBounces,
  };
  assert(counts.totalRecords === counts.distinctValidRecords + counts.duplicateRecords + counts.foreignRecords + counts.badRecords, 'counts do not add up');
  return {
    counts,
    perFile,
    validByCategory: sortedCounts(validByCategory),
    duplicatesByCategory: sortedCounts(duplicatesByCategory),
    foreignByCategory: sortedCounts(foreignByCategory),
    statusRecordsByDeliveryStatus: sortedCounts(statusByDelivery),
    engagementRecordsByType: sortedCounts(engagementByType),
    hardBouncesByStatus: sortedCounts(hardBouncesByStatus),
    suppressedNotHardBounce: statusRecords.filter((r) => field(r.properties, 'DeliveryStatus') === 'Suppressed' && looseBool(field(r.properties, 'IsHardBounce')) === false).length,
    finalRecipientStatus: merged.finalRecipientStatus,
    tiePairs,
    badRecords,
    badByReason: sortedCounts(badByReason),
    withinFileOrdering: {
      messagesWithStatusBeforeSendMail: statusBeforeSend,
      recipientsWithEngagementBeforeStatus: engagementBeforeStatus,
      duplicatesInSameFileAsOriginal: dupSameFile,
      duplicatesInAnotherFile: dupOtherFile,
    },
    formats: sortedCounts(formats),
    eventFiles: { count: eventNames.length, minRecords: Math.min(...eventSizes), maxRecords: Math.max(...eventSizes), pretty },
    totalBytes,
    eventGrid: merged.eventGrid,
  };
}
