import { type JsonObject } from './json.js';
import { type Generator, type Item } from './model.js';
import { envelope } from './envelope.js';
import { CAT_USAGE } from './vocabulary.js';

/** Usage: one "messages" record, sometimes a "megabytes" one (camelCase keys, no location). */
export function usageRecords(
  gen: Generator,
  send: { messageId: string; sendTicks: number; sendTimeText: string; unique: number; attachments: number; sizeMb: number },
): Item[] {
  const rng = gen.rng;
  const { messageId, sendTicks, sendTimeText, unique, attachments, sizeMb } = send;
  const items: Item[] = [];
  const usage = (unitType: string, quantity: number, offset: number): void => {
    const props: JsonObject = {
      recordId: rng.guid(),
      usageType: 'Email',
      unitType,
      quantity,
      startTime: sendTimeText,
      endTime: sendTimeText,
    };
    const tagsForm = rng.weighted<'absent' | 'empty' | 'object'>([
      ['absent', 0.4],
      ['empty', 0.3],
      ['object', 0.3],
    ]);
    if (tagsForm !== 'absent') {
      props['tags'] = tagsForm === 'empty' ? '' : {};
      props['correlationVector'] = `${rng.base64ish(16)}.${rng.int(0, 1)}`;
    }
    const ticks = sendTicks + offset;
    const record = envelope(gen, {
      ticks,
      category: CAT_USAGE,
      operationName: 'Usage',
      operationVersion: '1.0',
      correlationId: messageId,
      properties: props,
      withLocation: false,
    });
    items.push(gen.add({ kind: 'valid', value: record, arrival: ticks + gen.latency() }));
  };
  usage('messages', unique, rng.int(1_000_000, 2_500_000));
  if (attachments > 0 || rng.chance(0.3)) usage('megabytes', Math.round(sizeMb * unique * 1e6) / 1e6, rng.int(2_600_000, 6_000_000));
  return items;
}
