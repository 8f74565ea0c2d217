import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSamples } from '../../scripts/generateSamples.js';

/** samples/ is what the generator writes, byte for byte: nobody edits it by hand, and the counts are the reader's. */
const root = fileURLToPath(new URL('../../', import.meta.url));
const scratch = mkdtempSync(path.join(tmpdir(), 'samples-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('scripts/generateSamples.ts', () => {
  it('regenerates every committed sample file, the samples README and the expected counts exactly', () => {
    const dir = path.join(scratch, 'samples');
    mkdirSync(dir);
    mkdirSync(path.join(scratch, 'test', 'fixtures'), { recursive: true });
    const expected = generateSamples(dir);
    expect(expected.files).toContain('eventgrid/deliveries.json');
    expect(expected.files).toContain('eventgrid/engagement.ndjson');
    for (const file of [...expected.files, 'README.md']) {
      expect(readFileSync(path.join(dir, file), 'utf8'), file).toBe(readFileSync(path.join(root, 'samples', file), 'utf8'));
    }
    expect(readFileSync(path.join(scratch, 'test', 'fixtures', 'samples-expected.json'), 'utf8')).toBe(readFileSync(path.join(root, 'test', 'fixtures', 'samples-expected.json'), 'utf8'));
  }, 60_000);
});
