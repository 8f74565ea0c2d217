import { createHash } from 'node:crypto';
import { encodeKey } from '../store/tableKeys.js';

/**
 * Keys of the index table. A message's whole projection (its pointer, time row, recipient rows and its
 * share of the sums) lives in one partition, chosen by its id: one transaction moves all of it, and a
 * message whose time changes (its SendMail record arrives after its statuses) never moves across
 * partitions. Queries read every shard and merge by RowKey, which orders rows the same in each shard.
 *
 *   m|<id>                       pointer: the projection the rows below were built from, and its version
 *   t|<inverted time>|<id>       one per message, newest first
 *   a|<address>|<inverted time>|<id>[|n]  one per recipient, newest first per address
 *   h|<hour>|<sender>|<recipient domain>  hourly sums
 *   d|<day>|<sender>|<recipient domain>   daily sums
 *   u|<day>|<sender>|<link>               daily recipients who clicked a link (clickUrlOf)
 */

/** Fixed for the life of a ledger: a different count would look for rows in the wrong partitions. */
export const INDEX_SHARDS = 4;

export function shardOf(messageId: string): number {
  return createHash('sha256').update(messageId, 'utf16le').digest()[0]! % INDEX_SHARDS;
}

export const shardPartitionKey = (shard: number): string => `s|${shard}`;
export const ALL_SHARDS: readonly string[] = Array.from({ length: INDEX_SHARDS }, (_, shard) => shardPartitionKey(shard));

/**
 * A key part of at most `max` units: the escaped value (tableKeys.ts), or "%h" + SHA-256 when longer,
 * which cannot collide with an escaped value. Rows keep the full value in a property.
 */
export function keyPart(value: string, max: number): string {
  const escaped = encodeKey(value);
  if (escaped.length <= max && !escaped.startsWith('%h')) return escaped;
  return `%h${createHash('sha256').update(value, 'utf16le').digest('hex')}`;
}

const ID_PART = 80;
const ADDRESS_PART = 200;
const DOMAIN_PART = 100;

/** Canonical UTC times (7 fractional digits) have one shape: "2026-11-30T14:05:06.1234567Z". */
const CANONICAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$/;

/**
 * The time's digits, each d written as 9-d: ascending keys are then newest first, exactly, at the
 * full 100 ns precision of the logs. A time of another shape (none is stored) sorts last.
 */
export function invertedTime(time: string): string {
  if (!CANONICAL_TIME.test(time)) return '~';
  let out = '';
  for (const ch of time) if (ch >= '0' && ch <= '9') out += String(9 - Number(ch));
  return out;
}

export const hourOf = (time: string): string => time.slice(0, 13);
export const dayOf = (time: string): string => time.slice(0, 10);

/** Lower-cased, trimmed: the same rule as the bounce registry. */
export const normalizedAddress = (address: string): string => address.trim().toLowerCase();

/** The part after the last "@", lower-cased; "" for an address without one. */
export function recipientDomainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1).trim().toLowerCase();
}

export const normalizedDomain = (domain: string | null): string => (domain ?? '').trim().toLowerCase();

export const pointerRowKey = (messageId: string): string => `m|${keyPart(messageId, ID_PART)}`;
export const timeRowKey = (time: string, messageId: string): string => `t|${invertedTime(time)}|${keyPart(messageId, ID_PART)}`;
export const addressKeyPrefix = (address: string): string => `a|${keyPart(normalizedAddress(address), ADDRESS_PART)}|`;

/** `duplicate` > 0 for a second recipient of one message whose address differs only in case. */
export function recipientRowKey(address: string, time: string, messageId: string, duplicate: number): string {
  const base = `${addressKeyPrefix(address)}${invertedTime(time)}|${keyPart(messageId, ID_PART)}`;
  return duplicate === 0 ? base : `${base}|${duplicate}`;
}

export type SumLevel = 'hour' | 'day';
const LEVEL_PREFIX: Readonly<Record<SumLevel, string>> = { hour: 'h|', day: 'd|' };

export function sumRowKey(level: SumLevel, bucket: string, senderDomain: string, recipientDomain: string): string {
  return `${LEVEL_PREFIX[level]}${bucket}|${keyPart(senderDomain, DOMAIN_PART)}|${keyPart(recipientDomain, DOMAIN_PART)}`;
}

const URL_PART = 100;

/** A link's daily click sum; the key part is a hash for any link longer than URL_PART escaped (the row keeps the text). */
export const urlSumRowKey = (day: string, senderDomain: string, url: string): string => `u|${day}|${keyPart(senderDomain, DOMAIN_PART)}|${keyPart(url, URL_PART)}`;

/** Link sums of days `from` (inclusive) to `to` (exclusive). */
export const urlSumKeyRange = (fromDay: string, toDay: string): { readonly ge: string; readonly lt: string } => ({ ge: `u|${fromDay}`, lt: `u|${toDay}` });

/** Row keys from bucket `from` (inclusive) to bucket `to` (exclusive) of a level. */
export function sumKeyRange(level: SumLevel, from: string, to: string): { readonly ge: string; readonly lt: string } {
  return { ge: `${LEVEL_PREFIX[level]}${from}`, lt: `${LEVEL_PREFIX[level]}${to}` };
}

/** Above every key part (the same bound readRowsWithPrefix uses). */
export const KEY_END = '\uffff';

/**
 * Time rows of messages with from <= time < to (canonical times): newest first, so the range starts
 * after the rows at `to` and ends after the rows at `from`.
 */
export function timeKeyRange(from: string, to: string): { readonly ge: string; readonly lt: string } {
  return { ge: `t|${invertedTime(to)}|${KEY_END}`, lt: `t|${invertedTime(from)}|${KEY_END}` };
}
