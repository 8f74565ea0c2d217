/**
 * What is wrong with a connection string, checked before the SDK sees it because the Tables SDK reports a part without
 * "=" as "Cannot read properties of undefined". Names the part, never its value (it may be a key).
 */
export function connectionStringProblem(raw: string): string | undefined {
  const parts = new Map<string, string>();
  for (const segment of raw.split(';')) {
    if (segment.trim() === '') continue;
    const equals = segment.indexOf('=');
    if (equals <= 0) return `every part must be Name=value, got a part without a name or "=" (${JSON.stringify(segment.slice(0, 40).replace(/=.*/, ''))})`;
    parts.set(segment.slice(0, equals).trim().toLowerCase(), segment.slice(equals + 1).trim());
  }
  if (parts.get('usedevelopmentstorage')?.toLowerCase() === 'true') return undefined;
  const present = (name: string) => (parts.get(name.toLowerCase()) ?? '') !== '';
  const protocol = parts.get('defaultendpointsprotocol');
  if (protocol !== undefined && !['http', 'https'].includes(protocol.toLowerCase())) return 'DefaultEndpointsProtocol must be https or http';
  const tableEndpoint = parts.get('tableendpoint');
  if (tableEndpoint !== undefined && !/^https?:\/\/[^/\s]+/i.test(tableEndpoint)) return 'TableEndpoint must be an http(s) URL';
  if (present('SharedAccessSignature')) return present('TableEndpoint') ? undefined : 'a SharedAccessSignature needs a TableEndpoint';
  if (!present('AccountName')) return 'AccountName is missing (or give TableEndpoint and SharedAccessSignature)';
  if (!present('AccountKey')) return 'AccountKey is missing';
  if (!present('TableEndpoint') && !present('EndpointSuffix')) return 'give EndpointSuffix (core.windows.net) or TableEndpoint';
  if (!present('TableEndpoint') && protocol === undefined) return 'DefaultEndpointsProtocol is missing (https)';
  return undefined;
}
