import { readFileSync } from 'node:fs';

/**
 * The samples' counts over both sources (logs and Event Grid), as scripts/generateSamples.ts's independent
 * reader found them: tests compare with these instead of repeating numbers that the next sample change moves.
 */
export const samplesExpected = JSON.parse(readFileSync(new URL('../fixtures/samples-expected.json', import.meta.url), 'utf8')) as {
  readonly messages: number;
  readonly recipients: number;
  readonly badRecords: number;
  readonly hardBounces: number;
};
