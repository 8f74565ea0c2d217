import type { ClassifiedRecord } from './classifyRecord.js';
import { isPlainObject } from './decodeBody.js';
import {
  FAIL, fastBoolean, fastCount, fastNumber, fastOptionalText, fastRequiredText, jsonNumber, jsonText, readSlots, slotLookup, wellFormed,
  type Fail,
} from './fastScalars.js';
import { toCanonicalUtc } from './looseScalars.js';
import { fingerprintOfJson } from './recordFingerprint.js';
import type { RecordSource } from './recordSource.js';
import { canonicalEngagement, canonicalStatus, CATEGORY_BY_NAME, GUID, normaliseResourceId, type OurCategory } from './recordVocabulary.js';
import { isSummableQuantity } from '../state/mergeUsage.js';

/**
 * The classifier's fast path: well-formed records of the four categories and foreign records, without
 * zod, lower-cased key copies, intermediate objects or a JSON.stringify per record (the profile of issue 9
 * put those at over half of the pure stage). It answers only when it is sure the general path
 * (classifyRecordReference, zod) would answer the same, event for event, field for field, key order and
 * fingerprint included; for anything else (every invalid record, a key spelled twice, a lone surrogate,
 * a time in another form) it returns undefined and the general path decides, so dead letters keep the
 * schemas' messages. test/ingest/fastPathAgreement.property.test.ts holds the two to that.
 */

const TOP_SLOTS: ReadonlyMap<string, number> = new Map([
  ['category', 0], ['type', 1], ['properties', 2], ['time', 3], ['timegenerated', 4], ['resourceid', 5], ['_resourceid', 6], ['correlationid', 7],
]);
/** The `properties` names of all four schemas (recordSchemas.ts), one slot each. */
const PROPERTY_NAMES = [
  'size', 'torecipientscount', 'ccrecipientscount', 'bccrecipientscount', 'uniquerecipientscount', 'attachmentscount', 'trafficsource',
  'recipientid', 'deliverystatus', 'smtpstatuscode', 'enhancedsmtpstatuscode', 'failurereason', 'failuremessage', 'senderdomain',
  'senderusername', 'ishardbounce', 'engagementtype', 'engagementcontext', 'useragent', 'recordid', 'usagetype', 'unittype', 'quantity',
  'starttime',
] as const;
const topSlot = slotLookup(TOP_SLOTS);
const propertySlot = slotLookup(new Map(PROPERTY_NAMES.map((name, slot) => [name, slot])));

/**
 * Scratch space for one record's values, reused so that a record costs no allocation to read. Safe
 * because classifyFast is synchronous and never re-entered; every call clears them first.
 */
const top: unknown[] = new Array<unknown>(TOP_SLOTS.size).fill(undefined);
const p: unknown[] = new Array<unknown>(PROPERTY_NAMES.length).fill(undefined);
const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});

const categoryCache = new Map<string, OurCategory | null>();
function ourCategory(name: string): OurCategory | null {
  let ours = categoryCache.get(name);
  if (ours === undefined) {
    ours = CATEGORY_BY_NAME.get(name.toLowerCase()) ?? null;
    if (categoryCache.size < 1_024) categoryCache.set(name, ours);
  }
  return ours;
}

/** A hub carries one resource's logs: its 150-character id arrives on almost every record, upper-cased once. */
let lastResourceRaw: unknown = null;
let lastResourceId: string | null = null;
let lastResourceJson = 'null';
function resourceIdOf(value: unknown): string | null {
  if (value !== lastResourceRaw) {
    lastResourceId = normaliseResourceId(value);
    lastResourceJson = jsonText(lastResourceId);
    lastResourceRaw = value;
  }
  return lastResourceId;
}

export function classifyFast(raw: unknown, source: RecordSource, recordIndex: number): ClassifiedRecord | undefined {
  if (!isPlainObject(raw) || !readSlots(raw, topSlot, top)) return undefined;
  const categoryValue = top[0] ?? top[1];
  if (typeof categoryValue !== 'string') return undefined;
  const category = categoryValue.trim();
  if (category === '') return undefined;
  const ours = ourCategory(category);
  if (ours === null) return { kind: 'ignored', category };

  const properties = top[2] ?? EMPTY;
  if (!isPlainObject(properties) || !readSlots(properties, propertySlot, p)) return undefined;
  const timeValue = top[3] ?? top[4];
  const time = typeof timeValue === 'string' ? toCanonicalUtc(timeValue) : null;
  if (time === null) return undefined;
  const resourceId = resourceIdOf(top[5] ?? top[6]);
  const correlationValue = top[7];
  const correlationId = typeof correlationValue === 'string' ? correlationValue.trim() : '';
  if (!wellFormed(resourceId) || !wellFormed(correlationId)) return undefined;
  if (ours === 'usage') return usage(time, resourceId, correlationId, source, recordIndex);
  if (correlationId === '') return undefined;
  const messageId = GUID.test(correlationId) ? correlationId.toLowerCase() : correlationId;
  // A canonical time is digits and "-:.TZ" (nothing to escape); the resource id's JSON is memoised with it.
  const head = `${jsonText(messageId)},"${time}",${lastResourceJson}`;
  switch (ours) {
    case 'send':
      return send(head, time, resourceId, messageId, source, recordIndex);
    case 'status':
      return status(head, time, resourceId, messageId, source, recordIndex);
    case 'engagement':
      return engagement(head, time, resourceId, messageId, source, recordIndex);
  }
}

function usage(time: string, resourceId: string | null, correlationId: string, source: RecordSource, recordIndex: number): ClassifiedRecord | undefined {
  const recordId = fastOptionalText(p[19]);
  const usageType = fastRequiredText(p[20]);
  const unitType = fastRequiredText(p[21]);
  const quantity = fastNumber(p[22]);
  const startTime = fastStartTime(p[23]);
  if (recordId === FAIL || usageType === FAIL || unitType === FAIL || quantity === FAIL || startTime === FAIL) return undefined;
  if (quantity === null || !isSummableQuantity(quantity)) return undefined;
  if (!wellFormed(recordId) || !wellFormed(usageType) || !wellFormed(unitType)) return undefined;
  const fingerprint = fingerprintOfJson(
    `["usage",${jsonText(correlationId)},"${time}",${lastResourceJson},${jsonText(recordId)},${jsonText(usageType)},${jsonText(unitType)},${jsonNumber(quantity)},${jsonText(startTime)}]`,
  );
  return {
    kind: 'event',
    event: {
      time, resourceId, source, recordIndex,
      kind: 'usage',
      fingerprint,
      recordId: recordId ?? `fp:${fingerprint}`,
      correlationId: correlationId === '' ? null : correlationId,
      usageType, unitType, quantity,
      day: (startTime ?? time).slice(0, 10),
    },
  };
}

/** The schema's starttime: utcTime, "" or null, absent → null. */
function fastStartTime(value: unknown): string | null | Fail {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') return FAIL;
  return toCanonicalUtc(value) ?? FAIL;
}

function send(head: string, time: string, resourceId: string | null, messageId: string, source: RecordSource, recordIndex: number): ClassifiedRecord | undefined {
  const sizeMb = fastNumber(p[0]);
  const toRecipientsCount = fastCount(p[1]);
  const ccRecipientsCount = fastCount(p[2]);
  const bccRecipientsCount = fastCount(p[3]);
  const uniqueRecipientsCount = fastCount(p[4]);
  const attachmentsCount = fastCount(p[5]);
  const trafficSource = fastOptionalText(p[6]);
  if (sizeMb === FAIL || toRecipientsCount === FAIL || ccRecipientsCount === FAIL || bccRecipientsCount === FAIL) return undefined;
  if (uniqueRecipientsCount === FAIL || attachmentsCount === FAIL || trafficSource === FAIL || !wellFormed(trafficSource)) return undefined;
  const fingerprint = fingerprintOfJson(
    `["send",${head},{"sizeMb":${jsonNumber(sizeMb)},"toRecipientsCount":${jsonNumber(toRecipientsCount)},"ccRecipientsCount":${jsonNumber(ccRecipientsCount)},"bccRecipientsCount":${jsonNumber(bccRecipientsCount)},"uniqueRecipientsCount":${jsonNumber(uniqueRecipientsCount)},"attachmentsCount":${jsonNumber(attachmentsCount)},"trafficSource":${jsonText(trafficSource)}}]`,
  );
  return {
    kind: 'event',
    event: {
      time, resourceId, source, recordIndex,
      kind: 'send',
      messageId, fingerprint,
      sizeMb, toRecipientsCount, ccRecipientsCount, bccRecipientsCount, uniqueRecipientsCount, attachmentsCount, trafficSource,
    },
  };
}

function status(head: string, time: string, resourceId: string | null, messageId: string, source: RecordSource, recordIndex: number): ClassifiedRecord | undefined {
  const recipient = fastOptionalText(p[7]);
  const sentStatus = fastRequiredText(p[8]);
  const smtpStatusCode = fastOptionalText(p[9]);
  const enhancedSmtpStatusCode = fastOptionalText(p[10]);
  const failureReason = fastOptionalText(p[11]);
  const failureMessage = fastOptionalText(p[12]);
  const senderDomain = fastOptionalText(p[13]);
  const senderUsername = fastOptionalText(p[14]);
  const isHardBounce = fastBoolean(p[15]);
  if (recipient === FAIL || sentStatus === FAIL || smtpStatusCode === FAIL || enhancedSmtpStatusCode === FAIL || failureReason === FAIL) return undefined;
  if (failureMessage === FAIL || senderDomain === FAIL || senderUsername === FAIL || isHardBounce === FAIL) return undefined;
  if (!wellFormed(recipient) || !wellFormed(sentStatus) || !wellFormed(smtpStatusCode) || !wellFormed(enhancedSmtpStatusCode)) return undefined;
  if (!wellFormed(failureReason) || !wellFormed(failureMessage) || !wellFormed(senderDomain) || !wellFormed(senderUsername)) return undefined;
  const deliveryStatus = canonicalStatus(sentStatus);
  const fingerprint = fingerprintOfJson(
    `["status",${head},{"recipient":${jsonText(recipient)},"deliveryStatus":${jsonText(deliveryStatus)},"smtpStatusCode":${jsonText(smtpStatusCode)},"enhancedSmtpStatusCode":${jsonText(enhancedSmtpStatusCode)},"failureReason":${jsonText(failureReason)},"failureMessage":${jsonText(failureMessage)},"senderDomain":${jsonText(senderDomain)},"senderUsername":${jsonText(senderUsername)},"isHardBounce":${isHardBounce ? 'true' : 'false'}}]`,
  );
  return {
    kind: 'event',
    event: {
      time, resourceId, source, recordIndex,
      kind: 'status',
      messageId, fingerprint,
      recipient, deliveryStatus, smtpStatusCode, enhancedSmtpStatusCode, failureReason, failureMessage, senderDomain, senderUsername, isHardBounce,
    },
  };
}

function engagement(head: string, time: string, resourceId: string | null, messageId: string, source: RecordSource, recordIndex: number): ClassifiedRecord | undefined {
  // The general path insists on a string RecipientId here (a number is "missing_recipient").
  if (typeof p[7] !== 'string') return undefined;
  const recipient = fastRequiredText(p[7]);
  const sentType = fastRequiredText(p[16]);
  const engagementContext = fastOptionalText(p[17]);
  const userAgent = fastOptionalText(p[18]);
  if (recipient === FAIL || sentType === FAIL || engagementContext === FAIL || userAgent === FAIL) return undefined;
  if (!wellFormed(recipient) || !wellFormed(sentType) || !wellFormed(engagementContext) || !wellFormed(userAgent)) return undefined;
  const engagementType = canonicalEngagement(sentType);
  const fingerprint = fingerprintOfJson(
    `["engagement",${head},{"recipient":${jsonText(recipient)},"engagementType":${jsonText(engagementType)},"engagementContext":${jsonText(engagementContext)},"userAgent":${jsonText(userAgent)}}]`,
  );
  return {
    kind: 'event',
    event: {
      time, resourceId, source, recordIndex,
      kind: 'engagement',
      messageId, fingerprint,
      recipient, engagementType, engagementContext, userAgent,
    },
  };
}
