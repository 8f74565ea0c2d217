/**
 * Times in the viewer's zone (Intl), with the UTC ISO string on hover. The API's times carry 7
 * fractional digits (2026-11-30T14:05:06.1234567Z), more than Date.parse promises to read.
 */
import { el } from './dom.js';

const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const short = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
const dayOnly = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', weekday: 'short' });
// Day buckets are UTC days: labelled as such, or a viewer west of UTC would see each one a day early.
const utcDay = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', weekday: 'short', timeZone: 'UTC' });

export const viewerZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** Milliseconds of an ISO time, a stats bucket (2026-11-30T14 or 2026-11-30), or NaN. */
export function msOf(iso: string): number {
  const hour = /^(\d{4}-\d{2}-\d{2})T(\d{2})$/.exec(iso);
  if (hour !== null) return Date.parse(`${hour[1]}T${hour[2]}:00:00Z`);
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return Date.parse(`${iso}T00:00:00Z`);
  return Date.parse(iso.replace(/(\.\d{3})\d+/, '$1'));
}

export function utcIso(ms: number): string {
  return new Date(ms).toISOString();
}

export function localText(iso: string, style: 'full' | 'short' | 'day' = 'full'): string {
  const ms = msOf(iso);
  if (Number.isNaN(ms)) return iso;
  return (style === 'full' ? full : style === 'short' ? short : dayOnly).format(ms);
}

/** `<time>` in the viewer's zone, the UTC time in its title; '—' for a missing time. */
export function timeEl(iso: string | null | undefined, style: 'full' | 'short' | 'day' = 'full'): HTMLElement {
  if (iso === null || iso === undefined || iso === '') return el('span', { class: 'muted' }, '—');
  const ms = msOf(iso);
  const utc = Number.isNaN(ms) ? iso : `${utcIso(ms)} (UTC)`;
  return el('time', { datetime: Number.isNaN(ms) ? iso : utcIso(ms), title: utc }, localText(iso, style));
}

/** A stats bucket's label for chart axes: hour buckets with time, day buckets as dates, in the viewer's zone. */
export function bucketLabel(bucket: string, by: 'hour' | 'day'): string {
  if (by === 'day') {
    const ms = msOf(bucket);
    return Number.isNaN(ms) ? bucket : utcDay.format(ms);
  }
  return localText(bucket, 'short');
}

/** [start, end) of a stats bucket, as UTC ISO. */
export function bucketRange(bucket: string, by: 'hour' | 'day'): { from: string; to: string } {
  const start = msOf(bucket);
  return { from: utcIso(start), to: utcIso(start + (by === 'hour' ? 3_600_000 : 86_400_000)) };
}
