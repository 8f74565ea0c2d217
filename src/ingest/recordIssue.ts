/**
 * Why a body or record was rejected: a stable snake_case `code` to group by, a human message, and the
 * path of the offending field when there is one (as zod issues carry them).
 */
export type RecordIssueCode =
  | 'invalid_json'
  /** A Buffer body whose bytes are not UTF-8. */
  | 'invalid_utf8'
  /** A field the ledger keeps holds a lone UTF-16 surrogate: not Unicode text, cannot be keyed or stored exactly. */
  | 'invalid_unicode'
  | 'empty_body'
  | 'unsupported_body'
  | 'records_not_array'
  | 'not_an_object'
  | 'missing_category'
  | 'missing_correlation_id'
  | 'properties_not_object'
  | 'missing_delivery_status'
  | 'missing_recipient'
  | 'missing_engagement_type'
  | 'invalid_time'
  | 'invalid_field'
  /** An Event Grid event or CloudEvent without its `id`. */
  | 'missing_event_id'
  /** An Event Grid event or CloudEvent whose `data` is not a JSON object. */
  | 'data_not_object'
  /** Valid, but Table Storage refused to store it (400/413): kept here rather than failing the batch. */
  | 'storage_rejected';

export interface RecordIssue {
  readonly code: RecordIssueCode;
  readonly message: string;
  readonly path?: string;
}
