import type { TableServiceClientOptions } from '@azure/data-tables';

type PipelinePolicy = NonNullable<TableServiceClientOptions['additionalPolicies']>[number]['policy'];

/**
 * Azurite 3.35 splits a batch (entity-group transaction) body on U+2028 and U+2029 as if they were line
 * breaks: a transaction whose JSON holds either character is refused (400) or, with several operations,
 * half-applied (500, then "Transaction Overlap!" until restarted). JSON lets any character be written
 * as a \u escape, so this policy writes these two escaped in every request body: the same JSON for
 * Azure and Azurite, the value stored exactly, and nothing else changes. In a batch body they can only
 * occur inside JSON strings (the SDK percent-encodes keys in the operation URLs).
 */
export const ESCAPE_LINE_SEPARATORS_POLICY = 'ledgerEscapeLineSeparators';

export function escapeLineSeparatorsPolicy(): PipelinePolicy {
  return {
    name: ESCAPE_LINE_SEPARATORS_POLICY,
    sendRequest: (request, next) => {
      if (typeof request.body === 'string' && /[\u2028\u2029]/.test(request.body)) {
        request.body = escapeLineSeparators(request.body);
      }
      return next(request);
    },
  };
}

export function escapeLineSeparators(json: string): string {
  return json.replace(/[\u2028\u2029]/g, (ch) => (ch === '\u2028' ? '\\u2028' : '\\u2029'));
}
