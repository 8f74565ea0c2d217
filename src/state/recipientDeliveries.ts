import type { ObservationOrigin, StatusEvent } from '../ingest/ledgerEvent.js';
import { originOf } from '../ingest/ledgerEvent.js';
import { compareObservations, compareText } from './deliveryStatus.js';
import { cutToUnits as cut } from './textCuts.js';

/**
 * A recipient's status as two sources report it. The diagnostic logs and Event Grid each report the
 * same delivery once (or more, redelivered), at slightly different times and with different facts: the
 * logs have the SMTP and enhanced codes and the failure reason, Event Grid the receiving mail server, the
 * Internet Message-ID and its status message. So a recipient keeps one Delivery per status value, and in
 * it the greatest (time, fingerprint) record of each source: the cross-source identity of a report is
 * (message, recipient, status), and no time tolerance is involved.
 *
 * A delivery's time is the logs' time when the logs reported it, else Event Grid's; the recipient's
 * status is the greatest delivery under the order the logs alone always used (time, rank, status,
 * fingerprint). Every part is a function of the SET of records applied, so any interleaving of the two
 * streams gives one state, and a ledger fed both equals the logs-only ledger plus Event Grid's facts.
 */
export interface DeliveryDetail {
  readonly time: string;
  readonly fingerprint: string;
  readonly smtpStatusCode: string | null;
  readonly enhancedSmtpStatusCode: string | null;
  readonly failureReason: string | null;
  readonly failureMessage: string | null;
}

export interface ReportDetail extends DeliveryDetail {
  readonly statusMessage: string | null;
  readonly mailServerHostName: string | null;
  readonly internetMessageId: string | null;
}

export interface Delivery {
  readonly status: string;
  readonly logs: DeliveryDetail | null;
  readonly eventGrid: ReportDetail | null;
}

/** The recipient fields a winning delivery determines. */
export interface DeliveryFields {
  readonly status: string | null;
  readonly statusTime: string | null;
  readonly statusFingerprint: string | null;
  readonly smtpStatusCode: string | null;
  readonly enhancedSmtpStatusCode: string | null;
  readonly failureReason: string | null;
  readonly failureMessage: string | null;
  /** Event Grid's status message, receiving mail server and Internet Message-ID for the current status. */
  readonly statusMessage: string | null;
  readonly mailServerHostName: string | null;
  readonly internetMessageId: string | null;
  /** Which sources reported the recipient's current status. */
  readonly statusOrigins: readonly ObservationOrigin[];
}

/**
 * Distinct statuses kept per recipient (ACS reports two or three): with the cuts below, a recipient row
 * stays a few tens of kB, so a 30-row transaction stays inside Azure's 4 MiB. Beyond that (only a
 * hostile stream gets there) the least deliveries in the status order are dropped.
 */
export const MAX_DELIVERIES = 6;
const CUTS = { code: 100, failureReason: 300, text: 1_000, host: 255, messageId: 1_000 } as const;

export function deliveryTime(d: Delivery): string {
  return (d.logs ?? d.eventGrid)?.time ?? '';
}

const observationOf = (d: Delivery) => ({ status: d.status, time: deliveryTime(d), fingerprint: (d.logs ?? d.eventGrid)?.fingerprint ?? '' });
const compareDeliveries = (a: Delivery, b: Delivery): number => compareObservations(observationOf(a), observationOf(b));
const newer = <T extends DeliveryDetail>(a: T | null, b: T): T => (a === null || (compareText(b.time, a.time) || compareText(b.fingerprint, a.fingerprint)) > 0 ? b : a);

/** The deliveries with one more status record in them (idempotent: the same record again changes nothing). */
export function addDelivery(deliveries: readonly Delivery[], event: StatusEvent): readonly Delivery[] {
  const detail: DeliveryDetail = {
    time: event.time,
    fingerprint: event.fingerprint,
    smtpStatusCode: cut(event.smtpStatusCode, CUTS.code),
    enhancedSmtpStatusCode: cut(event.enhancedSmtpStatusCode, CUTS.code),
    failureReason: cut(event.failureReason, CUTS.failureReason),
    failureMessage: cut(event.failureMessage, CUTS.text),
  };
  const existing = deliveries.find((d) => d.status === event.deliveryStatus) ?? { status: event.deliveryStatus, logs: null, eventGrid: null };
  const facts = event.eventGrid;
  const next: Delivery =
    originOf(event) === 'logs' || facts === undefined
      ? { ...existing, logs: newer(existing.logs, detail) }
      : {
          ...existing,
          eventGrid: newer(existing.eventGrid, {
            ...detail,
            statusMessage: cut(facts.statusMessage, CUTS.text),
            mailServerHostName: cut(facts.mailServerHostName, CUTS.host),
            internetMessageId: cut(facts.internetMessageId, CUTS.messageId),
          }),
        };
  const all = [...deliveries.filter((d) => d.status !== event.deliveryStatus), next];
  const kept = all.length <= MAX_DELIVERIES ? all : [...all].sort((a, b) => compareDeliveries(b, a)).slice(0, MAX_DELIVERIES);
  return kept.sort((a, b) => compareText(a.status, b.status));
}

export function winningDelivery(deliveries: readonly Delivery[]): Delivery | null {
  let best: Delivery | null = null;
  for (const d of deliveries) if (best === null || compareDeliveries(d, best) > 0) best = d;
  return best;
}

/** The codes and failure text come from the logs when they reported the status, else from Event Grid. */
export function fieldsOfDeliveries(deliveries: readonly Delivery[]): DeliveryFields {
  const winner = winningDelivery(deliveries);
  const detail = winner?.logs ?? winner?.eventGrid ?? null;
  const report = winner?.eventGrid ?? null;
  return {
    status: winner?.status ?? null,
    statusTime: detail?.time ?? null,
    statusFingerprint: detail?.fingerprint ?? null,
    smtpStatusCode: detail?.smtpStatusCode ?? null,
    enhancedSmtpStatusCode: detail?.enhancedSmtpStatusCode ?? null,
    failureReason: detail?.failureReason ?? null,
    failureMessage: detail?.failureMessage ?? null,
    statusMessage: report?.statusMessage ?? null,
    mailServerHostName: report?.mailServerHostName ?? null,
    internetMessageId: report?.internetMessageId ?? null,
    statusOrigins: winner === null ? [] : [...(winner.logs === null ? [] : ['logs' as const]), ...(winner.eventGrid === null ? [] : ['eventGrid' as const])],
  };
}

type StoredDetail = [string, string, string | null, string | null, string | null, string | null];
type StoredReport = [...StoredDetail, string | null, string | null, string | null];
type StoredDelivery = [string, StoredDetail | null, StoredReport | null];

const detailForm = (d: DeliveryDetail): StoredDetail => [d.time, d.fingerprint, d.smtpStatusCode, d.enhancedSmtpStatusCode, d.failureReason, d.failureMessage];

export function serializeDeliveries(deliveries: readonly Delivery[]): string {
  const stored: StoredDelivery[] = deliveries.map((d) => [
    d.status,
    d.logs === null ? null : detailForm(d.logs),
    d.eventGrid === null ? null : [...detailForm(d.eventGrid), d.eventGrid.statusMessage, d.eventGrid.mailServerHostName, d.eventGrid.internetMessageId],
  ]);
  return JSON.stringify({ v: 1, d: stored });
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function parseDetail(value: unknown): DeliveryDetail | null {
  if (!Array.isArray(value) || typeof value[0] !== 'string' || typeof value[1] !== 'string') return null;
  const v = value as unknown[];
  return { time: value[0], fingerprint: value[1], smtpStatusCode: text(v[2]), enhancedSmtpStatusCode: text(v[3]), failureReason: text(v[4]), failureMessage: text(v[5]) };
}

/** The deliveries read back; null when the row has none (written before Event Grid was an input). */
export function parseDeliveries(json: string | null): Delivery[] | null {
  if (json === null) return null;
  try {
    const parsed = JSON.parse(json) as { v?: unknown; d?: unknown };
    if (parsed.v !== 1 || !Array.isArray(parsed.d)) return null;
    return (parsed.d as unknown[]).flatMap((raw): Delivery[] => {
      if (!Array.isArray(raw) || typeof raw[0] !== 'string') return [];
      const logs = parseDetail(raw[1]);
      const base = parseDetail(raw[2]);
      const r = Array.isArray(raw[2]) ? (raw[2] as unknown[]) : [];
      const eventGrid = base === null ? null : { ...base, statusMessage: text(r[6]), mailServerHostName: text(r[7]), internetMessageId: text(r[8]) };
      return logs === null && eventGrid === null ? [] : [{ status: raw[0], logs, eventGrid }];
    });
  } catch {
    return null;
  }
}
