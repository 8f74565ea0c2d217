import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeKey, encodeKey, MAX_ENCODED_LENGTH } from '../../src/store/tableKeys.js';

/** Characters Azure Table keys may not hold, plus "|" (our composite-key separator). */
const FORBIDDEN = /[/\\#?|\u0000-\u001f\u007f-\u009f]/;
const HASHED = /^%h[0-9a-f]{64}$/;
const FORCED = ['/', '\\', '#', '?', '%', '|'] as const;

const controlChar = fc.oneof(fc.integer({ min: 0x00, max: 0x1f }), fc.integer({ min: 0x7f, max: 0x9f })).map((code) => String.fromCharCode(code));
/** One code point: any Unicode scalar (astral included), or a forced forbidden / control character. */
const keyChar = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.constantFrom(...FORCED) },
  { weight: 2, arbitrary: controlChar },
  { weight: 1, arbitrary: fc.constantFrom('%h', '%2F', '%25', 'é', '@', '.') },
);
const keyValue = fc.string({ unit: keyChar, maxLength: 250 });
const longValue = fc.string({ unit: keyChar, minLength: 401, maxLength: 700 });

/** Every "%" in an escaped key starts "%XX" with upper-case hex. */
function percentsAreEscapes(key: string): boolean {
  return /^(?:[^%]|%[0-9A-F]{2})*$/su.test(key);
}

describe('encodeKey / decodeKey: properties', () => {
  it('property: the encoded key never contains a forbidden character', () => {
    fc.assert(
      fc.property(keyValue, (value) => {
        expect(encodeKey(value)).not.toMatch(FORBIDDEN);
      }),
      { numRuns: 1000 },
    );
  });

  it('property: the encoded key decodes back exactly when not hashed', () => {
    fc.assert(
      fc.property(keyValue, (value) => {
        const key = encodeKey(value);
        if (HASHED.test(key)) {
          expect(decodeKey(key)).toBeNull();
        } else {
          expect(decodeKey(key)).toBe(value);
          expect(percentsAreEscapes(key)).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('property: values of at most 133 UTF-16 units are never hashed (3× expansion ≤ 399)', () => {
    fc.assert(
      fc.property(fc.string({ unit: keyChar, maxLength: 133 }).filter((v) => v.length <= 133), (value) => {
        const key = encodeKey(value);
        expect(key).not.toMatch(HASHED);
        expect(decodeKey(key)).toBe(value);
      }),
      { numRuns: 500 },
    );
  });

  it('property: a value with no character to escape is its own key (up to 400 units)', () => {
    const plain = fc.string({ unit: 'binary', maxLength: 400 }).filter((v) => !/[%/\\#?|\u0000-\u001f\u007f-\u009f]/.test(v) && v.length <= 400);
    fc.assert(
      fc.property(plain, (value) => {
        expect(encodeKey(value)).toBe(value);
      }),
      { numRuns: 500 },
    );
  });

  it(`property: the encoded length is at most ${MAX_ENCODED_LENGTH}`, () => {
    fc.assert(
      fc.property(fc.oneof(keyValue, longValue), (value) => {
        expect(encodeKey(value).length).toBeLessThanOrEqual(400);
      }),
      { numRuns: 1000 },
    );
  });

  it('property: no escaped (non-hashed) value ever starts with "%h"', () => {
    fc.assert(
      fc.property(fc.oneof(keyValue, keyValue.map((v) => `%h${v}`), keyValue.map((v) => `%H${v}`)), (value) => {
        const key = encodeKey(value);
        if (key.length === 66 && HASHED.test(key)) {
          // Only a value too long to escape may be hashed.
          expect(value.length).toBeGreaterThan(133);
        } else {
          expect(key.startsWith('%h')).toBe(false);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('property: long values become "%h" + 64 hex and decode to null', () => {
    fc.assert(
      fc.property(longValue, (value) => {
        const key = encodeKey(value);
        expect(key).toMatch(HASHED);
        expect(decodeKey(key)).toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  it('property: two different values give different keys', () => {
    fc.assert(
      fc.property(fc.oneof(keyValue, longValue), fc.oneof(keyValue, longValue), (a, b) => {
        fc.pre(a !== b);
        expect(encodeKey(a)).not.toBe(encodeKey(b));
      }),
      { numRuns: 1000 },
    );
  });

  it('property: two long values differing in one character give different keys', () => {
    fc.assert(
      fc.property(longValue, fc.nat(), keyChar, (value, at, replacement) => {
        const chars = [...value];
        const i = at % chars.length;
        fc.pre(chars[i] !== replacement);
        chars[i] = replacement;
        const other = chars.join('');
        expect(encodeKey(other)).not.toBe(encodeKey(value));
      }),
      { numRuns: 300 },
    );
  });

  it('property: encoding is deterministic', () => {
    fc.assert(
      fc.property(fc.oneof(keyValue, longValue), (value) => {
        expect(encodeKey(value)).toBe(encodeKey(value));
      }),
    );
  });
});

describe('encodeKey / decodeKey: examples', () => {
  for (const [value, key] of [
    ['bob@example.org', 'bob@example.org'],
    ['a/b', 'a%2Fb'],
    ['a\\b', 'a%5Cb'],
    ['#tag', '%23tag'],
    ['what?', 'what%3F'],
    ['100%', '100%25'],
    ['x|y', 'x%7Cy'],
    ['\u0000', '%00'],
    ['\u001f', '%1F'],
    ['\u007f', '%7F'],
    ['\u009f', '%9F'],
    ['\u00a0', '\u00a0'],
    ['tab\there', 'tab%09here'],
    ['%h', '%25h'],
    ['%2F', '%252F'],
    ['zoë 📧', 'zoë 📧'],
    ['', ''],
  ] as const) {
    it(`${JSON.stringify(value)} encodes to ${JSON.stringify(key)} and decodes back`, () => {
      expect(encodeKey(value)).toBe(key);
      expect(decodeKey(key)).toBe(value);
    });
  }

  it('resource id slashes are escaped and restored', () => {
    const id = '/SUBSCRIPTIONS/1111/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/ACS';
    const key = encodeKey(id);
    expect(key).not.toContain('/');
    expect(key.startsWith('%2FSUBSCRIPTIONS%2F1111')).toBe(true);
    expect(decodeKey(key)).toBe(id);
  });

  it('MAX_ENCODED_LENGTH is 400', () => {
    expect(MAX_ENCODED_LENGTH).toBe(400);
  });
});

describe('encodeKey: long values', () => {
  it('600 × "é" becomes "%h" + 64 hex and decodeKey returns null', () => {
    const key = encodeKey('é'.repeat(600));
    expect(key).toMatch(HASHED);
    expect(key).toHaveLength(66);
    expect(decodeKey(key)).toBeNull();
  });

  it('300 × "/" becomes "%h" + 64 hex and decodeKey returns null', () => {
    const key = encodeKey('/'.repeat(300));
    expect(key).toMatch(HASHED);
    expect(decodeKey(key)).toBeNull();
  });

  it('two different long values give different keys', () => {
    const keys = new Set([
      encodeKey('é'.repeat(600)),
      encodeKey(`${'é'.repeat(599)}e`),
      encodeKey('/'.repeat(300)),
      encodeKey('\\'.repeat(300)),
      encodeKey('/'.repeat(301)),
      encodeKey('a'.repeat(401)),
    ]);
    expect(keys.size).toBe(6);
  });

  it('a value that escapes to exactly 400 units is kept, one more unit is hashed', () => {
    expect(encodeKey('a'.repeat(400))).toBe('a'.repeat(400));
    expect(encodeKey('a'.repeat(401))).toMatch(HASHED);
    const atLimit = `x${'/'.repeat(133)}`; // 1 + 133 × 3 = 400
    expect(encodeKey(atLimit)).toHaveLength(400);
    expect(decodeKey(encodeKey(atLimit))).toBe(atLimit);
    expect(encodeKey(`xx${'/'.repeat(133)}`)).toMatch(HASHED);
  });

  it('an astral character counts as 2 units toward the limit', () => {
    expect(encodeKey('😀'.repeat(200))).toBe('😀'.repeat(200));
    expect(encodeKey(`${'😀'.repeat(200)}a`)).toMatch(HASHED);
  });

  it('a short value that looks like a hashed key is escaped, not confused with one', () => {
    const lookalike = `%h${'0'.repeat(64)}`;
    const key = encodeKey(lookalike);
    expect(key).toBe(`%25h${'0'.repeat(64)}`);
    expect(decodeKey(key)).toBe(lookalike);
  });

  // Regression: the hash was taken over UTF-8, where Node folds every lone surrogate into U+FFFD, so
  // long values differing only in lone surrogates (JSON.parse makes them from "\ud800" escapes)
  // shared a key. It now hashes the UTF-16 code units.
  it('two long values differing only in lone surrogates give different keys', () => {
    const a = '\uD800'.repeat(401);
    const b = '\uDBFF'.repeat(401);
    expect(a).not.toBe(b);
    expect(encodeKey(a)).not.toBe(encodeKey(b));
  });
});
