import type { z } from 'zod';
import { isPlainObject } from './decodeBody.js';
import { classifyFast } from './fastClassify.js';
import type { LedgerEvent } from './ledgerEvent.js';
import { EMAIL_CATEGORIES } from './ledgerEvent.js';
import { canonicalEngagement, canonicalStatus, CATEGORY_BY_NAME, GUID, normaliseResourceId } from './recordVocabulary.js';
import { utcTime } from './looseScalars.js';
import type { RecordIssue } from './recordIssue.js';
import { recordFingerprint } from './recordFingerprint.js';
import { engagementProperties, lowerCaseKeys, sendMailProperties, statusProperties, usageProperties } from './recordSchemas.js';
import type { RecordSource } from './recordSource.js';
import { classifyEventGridEvent, looksLikeEventGridEvent } from '../eventgrid/classifyEventGridEvent.js';
import { capIssueText, describeType, invalidRecord, loneSurrogateIssue } from './rejection.js';

export { canonicalStatus, normaliseResourceId } from './recordVocabulary.js';

/** What one raw record is: one of ours (typed), another service's (ignored), or unusable (with why). */
export type ClassifiedRecord =
  | { readonly kind: 'event'; readonly event: LedgerEvent }
  | { readonly kind: 'ignored'; readonly category: string }
  | { readonly kind: 'invalid'; readonly issue: RecordIssue; readonly raw: string; readonly category: string | null };

/** The fast path when it is sure, else the general one: always the general path's answer. */
export function classifyRecord(raw: unknown, source: RecordSource, recordIndex: number): ClassifiedRecord {
  // Before the fast path, which would take a CloudEvent's `type` for a foreign log category.
  if (isPlainObject(raw) && looksLikeEventGridEvent(raw)) return classifyEventGridEvent(raw, source, recordIndex);
  return classifyFast(raw, source, recordIndex) ?? classifyLogRecord(raw, source, recordIndex);
}

/** The general path: zod schemas over lower-cased keys, the one that words every rejection. */
export function classifyRecordReference(raw: unknown, source: RecordSource, recordIndex: number): ClassifiedRecord {
  if (isPlainObject(raw) && looksLikeEventGridEvent(raw)) return classifyEventGridEvent(raw, source, recordIndex);
  return classifyLogRecord(raw, source, recordIndex);
}

/** A diagnostic-log record, by the general path. */
function classifyLogRecord(raw: unknown, source: RecordSource, recordIndex: number): ClassifiedRecord {
  const classified = classifyFields(raw, source, recordIndex);
  if (classified.kind !== 'event') return classified;
  const issue = loneSurrogateIssue(Object.entries(classified.event));
  return issue === undefined ? classified : invalidRecord(issue, raw, EMAIL_CATEGORIES[classified.event.kind]);
}

function classifyFields(raw: unknown, source: RecordSource, recordIndex: number): ClassifiedRecord {
  if (!isPlainObject(raw)) {
    return invalidRecord({ code: 'not_an_object', message: 'a record must be a JSON object' }, raw, null);
  }
  const top = lowerCaseKeys(raw);
  const categoryValue = top['category'] ?? top['type'];
  if (typeof categoryValue !== 'string' || categoryValue.trim() === '') {
    return invalidRecord({ code: 'missing_category', message: 'the record has no "category"', path: 'category' }, raw, null);
  }
  const categoryName = categoryValue.trim();
  const ours = CATEGORY_BY_NAME.get(categoryName.toLowerCase());
  if (ours === undefined) return { kind: 'ignored', category: categoryName };

  const propertiesValue = top['properties'] ?? {};
  if (!isPlainObject(propertiesValue)) {
    return invalidRecord(
      { code: 'properties_not_object', message: `"properties" must be a JSON object, got ${describeType(propertiesValue)}`, path: 'properties' },
      raw,
      categoryName,
    );
  }
  const properties = lowerCaseKeys(propertiesValue);

  const time = utcTime.safeParse(top['time'] ?? top['timegenerated']);
  if (!time.success) {
    return invalidRecord({ code: 'invalid_time', message: issueText(time.error, 'time'), path: 'time' }, raw, categoryName);
  }
  const resourceId = normaliseResourceId(top['resourceid'] ?? top['_resourceid']);
  const correlationId = typeof top['correlationid'] === 'string' ? top['correlationid'].trim() : '';
  const base = { time: time.data, resourceId, source, recordIndex };

  if (ours === 'usage') {
    const parsed = usageProperties.safeParse(properties);
    if (!parsed.success) return invalidRecord(propertyIssue(parsed.error), raw, categoryName);
    const p = parsed.data;
    const normalised = ['usage', correlationId, time.data, resourceId, p.recordid, p.usagetype, p.unittype, p.quantity, p.starttime];
    const fingerprint = recordFingerprint(normalised);
    return event({
      ...base,
      kind: 'usage',
      fingerprint,
      recordId: p.recordid ?? `fp:${fingerprint}`,
      correlationId: correlationId === '' ? null : correlationId,
      usageType: p.usagetype,
      unitType: p.unittype,
      quantity: p.quantity ?? 0,
      day: (p.starttime ?? time.data).slice(0, 10),
    });
  }

  if (correlationId === '') {
    return invalidRecord(
      { code: 'missing_correlation_id', message: 'an email record needs "correlationId" (the message id)', path: 'correlationId' },
      raw,
      categoryName,
    );
  }
  const messageId = GUID.test(correlationId) ? correlationId.toLowerCase() : correlationId;

  switch (ours) {
    case 'send': {
      const parsed = sendMailProperties.safeParse(properties);
      if (!parsed.success) return invalidRecord(propertyIssue(parsed.error), raw, categoryName);
      const p = parsed.data;
      const fields = {
        sizeMb: p.size,
        toRecipientsCount: p.torecipientscount,
        ccRecipientsCount: p.ccrecipientscount,
        bccRecipientsCount: p.bccrecipientscount,
        uniqueRecipientsCount: p.uniquerecipientscount,
        attachmentsCount: p.attachmentscount,
        trafficSource: p.trafficsource,
      };
      const fingerprint = recordFingerprint(['send', messageId, time.data, resourceId, fields]);
      return event({ ...base, kind: 'send', messageId, fingerprint, ...fields });
    }
    case 'status': {
      if (isBlank(properties['deliverystatus'])) {
        return invalidRecord(
          { code: 'missing_delivery_status', message: 'a status record needs "DeliveryStatus"', path: 'properties.DeliveryStatus' },
          raw,
          categoryName,
        );
      }
      const parsed = statusProperties.safeParse(properties);
      if (!parsed.success) return invalidRecord(propertyIssue(parsed.error), raw, categoryName);
      const p = parsed.data;
      const fields = {
        recipient: p.recipientid,
        deliveryStatus: canonicalStatus(p.deliverystatus),
        smtpStatusCode: p.smtpstatuscode,
        enhancedSmtpStatusCode: p.enhancedsmtpstatuscode,
        failureReason: p.failurereason,
        failureMessage: p.failuremessage,
        senderDomain: p.senderdomain,
        senderUsername: p.senderusername,
        isHardBounce: p.ishardbounce,
      };
      const fingerprint = recordFingerprint(['status', messageId, time.data, resourceId, fields]);
      return event({ ...base, kind: 'status', messageId, fingerprint, ...fields });
    }
    case 'engagement': {
      if (typeof properties['recipientid'] !== 'string' || isBlank(properties['recipientid'])) {
        return invalidRecord(
          { code: 'missing_recipient', message: 'an engagement record needs "RecipientId"', path: 'properties.RecipientId' },
          raw,
          categoryName,
        );
      }
      if (isBlank(properties['engagementtype'])) {
        return invalidRecord(
          { code: 'missing_engagement_type', message: 'an engagement record needs "EngagementType"', path: 'properties.EngagementType' },
          raw,
          categoryName,
        );
      }
      const parsed = engagementProperties.safeParse(properties);
      if (!parsed.success) return invalidRecord(propertyIssue(parsed.error), raw, categoryName);
      const p = parsed.data;
      const fields = {
        recipient: p.recipientid,
        engagementType: canonicalEngagement(p.engagementtype),
        engagementContext: p.engagementcontext,
        userAgent: p.useragent,
      };
      const fingerprint = recordFingerprint(['engagement', messageId, time.data, resourceId, fields]);
      return event({ ...base, kind: 'engagement', messageId, fingerprint, ...fields });
    }
  }
}

function event(e: LedgerEvent): ClassifiedRecord {
  return { kind: 'event', event: e };
}


function propertyIssue(error: z.ZodError): RecordIssue {
  const first = error.issues[0];
  const path = first ? `properties.${first.path.join('.')}` : 'properties';
  return { code: 'invalid_field', message: issueText(error, path), path };
}

function issueText(error: z.ZodError, fallbackPath: string): string {
  return capIssueText(error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : fallbackPath}: ${issue.message}`).join('; '));
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}
