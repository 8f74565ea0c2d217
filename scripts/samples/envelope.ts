import { type Json, type JsonObject } from './json.js';
import { type Generator } from './model.js';
import { formatTime, type TimeFormat } from './time.js';
import { RESOURCE_ID, RESOURCE_ID_VARIANTS } from './vocabulary.js';

/** An Azure Monitor resource-log record, camelCase (usual) or PascalCase (Log Analytics export style). */
export function envelope(gen: Generator, options: {
  ticks: number;
  category: string;
  operationName: string;
  operationVersion: string;
  correlationId: string | undefined;
  properties: Json;
  withLocation: boolean;
  plain?: boolean;
  format?: TimeFormat;
}): JsonObject {
  const plain = options.plain === true;
  const format = options.format ?? (plain ? '7Z' : gen.timeFormat());
  const resourceId = plain ? RESOURCE_ID : gen.rng.weighted(RESOURCE_ID_VARIANTS);
  const pascal = !plain && gen.rng.chance(0.025);
  const k = (name: string): string => (pascal ? name.charAt(0).toUpperCase() + name.slice(1) : name);
  const record: JsonObject = {};
  record[k('time')] = formatTime(options.ticks, format);
  record[k('resourceId')] = resourceId;
  if (options.withLocation) record[k('location')] = 'eastus';
  record[k('operationName')] = options.operationName;
  record[k('operationVersion')] = options.operationVersion;
  record[k('category')] = options.category;
  if (options.correlationId !== undefined) record[k('correlationId')] = options.correlationId;
  record[k('properties')] = options.properties;
  return record;
}
