import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  looseBoolean,
  looseCount,
  looseNumber,
  optionalText,
  requiredText,
  toCanonicalUtc,
  utcTime,
} from '../../src/ingest/looseScalars.js';

/** How a test input is named: strings quoted, "absent" for undefined. */
function show(value: unknown): string {
  if (value === undefined) return 'absent';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  return JSON.stringify(value);
}

describe('looseBoolean', () => {
  const accepted: ReadonlyArray<readonly [unknown, boolean]> = [
    [true, true],
    [false, false],
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['false', false],
    ['False', false],
    ['FALSE', false],
    [1, true],
    [0, false],
    ['1', true],
    ['0', false],
    [' true ', true],
    ['\tFalse\n', false],
    [undefined, false],
    ['', false],
    ['   ', false],
    [null, false],
  ];
  for (const [input, expected] of accepted) {
    it(`IsHardBounce ${show(input)} is ${expected}`, () => {
      const result = looseBoolean.safeParse(input);
      expect(result.success).toBe(true);
      expect(result.data).toBe(expected);
    });
  }

  const rejected: readonly unknown[] = ['yes', 'no', 'maybe', 'yes-ish', 'truee', 'tru', 't', 'f', 'on', 'off', '2', '-1', 'null', 2, -1, 0.5, NaN, {}, []];
  for (const input of rejected) {
    it(`IsHardBounce ${show(input)} is rejected`, () => {
      const result = looseBoolean.safeParse(input);
      expect(result.success).toBe(false);
    });
  }

  it('IsHardBounce rejection message quotes the offending value', () => {
    const result = looseBoolean.safeParse('maybe');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain('"maybe"');
  });
});

describe('looseNumber', () => {
  const accepted: ReadonlyArray<readonly [unknown, number | null]> = [
    [0.731402, 0.731402],
    [0, 0],
    [42, 42],
    [-3.5, -3.5],
    ['0.731402', 0.731402],
    ['0', 0],
    ['42', 42],
    [' 7 ', 7],
    ['-2.25', -2.25],
    ['1e3', 1000],
    ['', null],
    ['   ', null],
    [null, null],
    [undefined, null],
  ];
  for (const [input, expected] of accepted) {
    it(`Size ${show(input)} is ${expected === null ? 'null' : expected}`, () => {
      const result = looseNumber.safeParse(input);
      expect(result.success).toBe(true);
      expect(result.data).toBe(expected);
    });
  }

  it('Size "" is null, NOT 0', () => {
    const result = looseNumber.safeParse('');
    expect(result.success).toBe(true);
    expect(result.data).not.toBe(0);
    expect(result.data).toBeNull();
  });

  const rejected: readonly unknown[] = ['abc', '12abc', '1.2.3', 'NaN', 'Infinity', '-Infinity', NaN, Infinity, -Infinity, true, false, {}, []];
  for (const input of rejected) {
    it(`Size ${show(input)} is rejected`, () => {
      expect(looseNumber.safeParse(input).success).toBe(false);
    });
  }
});

describe('looseCount', () => {
  const accepted: ReadonlyArray<readonly [unknown, number | null]> = [
    [0, 0],
    [3, 3],
    ['3', 3],
    [' 12 ', 12],
    ['', null],
    [null, null],
    [undefined, null],
  ];
  for (const [input, expected] of accepted) {
    it(`count ${show(input)} is ${expected === null ? 'null' : expected}`, () => {
      const result = looseCount.safeParse(input);
      expect(result.success).toBe(true);
      expect(result.data).toBe(expected);
    });
  }

  const rejected: readonly unknown[] = [-1, '-1', -100, 1.5, '2.5', 0.1, 'abc', NaN, Infinity, '1e400'];
  for (const input of rejected) {
    it(`count ${show(input)} is rejected`, () => {
      expect(looseCount.safeParse(input).success).toBe(false);
    });
  }

  it('count rejection message names a non-negative whole number', () => {
    const result = looseCount.safeParse('-1');
    expect(result.error?.issues[0]?.message).toMatch(/non-negative whole number/);
  });
});

describe('optionalText and requiredText', () => {
  it('optionalText trims, turns "" / whitespace / null / absent into null', () => {
    expect(optionalText.parse('  donotreply  ')).toBe('donotreply');
    expect(optionalText.parse('')).toBeNull();
    expect(optionalText.parse('   ')).toBeNull();
    expect(optionalText.parse(null)).toBeNull();
    expect(optionalText.parse(undefined)).toBeNull();
  });

  it('optionalText SmtpStatusCode 550 (number) is "550"', () => {
    expect(optionalText.parse(550)).toBe('550');
  });

  it('optionalText rejects a boolean and an object', () => {
    expect(optionalText.safeParse(true).success).toBe(false);
    expect(optionalText.safeParse({}).success).toBe(false);
  });

  it('requiredText trims and accepts numbers as text', () => {
    expect(requiredText.parse(' Delivered ')).toBe('Delivered');
    expect(requiredText.parse(7)).toBe('7');
  });

  it('requiredText rejects "", whitespace, null and absent', () => {
    expect(requiredText.safeParse('').success).toBe(false);
    expect(requiredText.safeParse('  ').success).toBe(false);
    expect(requiredText.safeParse(null).success).toBe(false);
    expect(requiredText.safeParse(undefined).success).toBe(false);
  });
});

describe('toCanonicalUtc', () => {
  const cases: ReadonlyArray<readonly [string, string, string]> = [
    ['7 fractional digits', '2025-03-14T09:21:07.4421337Z', '2025-03-14T09:21:07.4421337Z'],
    ['3 fractional digits', '2021-07-19T18:46:50.188Z', '2021-07-19T18:46:50.1880000Z'],
    ['1 fractional digit', '2025-03-14T09:21:07.5Z', '2025-03-14T09:21:07.5000000Z'],
    ['no fraction', '2025-03-14T09:21:07Z', '2025-03-14T09:21:07.0000000Z'],
    ['no seconds', '2025-03-14T09:21Z', '2025-03-14T09:21:00.0000000Z'],
    ['no zone (= UTC)', '2025-03-14T09:21:07.4421337', '2025-03-14T09:21:07.4421337Z'],
    ['no zone and no fraction (= UTC)', '2025-03-14T09:21:07', '2025-03-14T09:21:07.0000000Z'],
    ['"+02:00" offset', '2025-03-14T11:21:07.4421337+02:00', '2025-03-14T09:21:07.4421337Z'],
    ['"-0530" offset', '2025-03-14T03:51:07.123-0530', '2025-03-14T09:21:07.1230000Z'],
    ['"+00:00" offset', '2025-03-14T09:21:07+00:00', '2025-03-14T09:21:07.0000000Z'],
    ['offset crossing midnight backwards', '2025-03-15T01:30:00+02:00', '2025-03-14T23:30:00.0000000Z'],
    ['offset crossing a year forwards', '2025-12-31T23:30:00-01:00', '2026-01-01T00:30:00.0000000Z'],
    ['9 fractional digits truncated', '2025-03-14T09:21:07.123456789Z', '2025-03-14T09:21:07.1234567Z'],
    ['8 fractional digits truncated, not rounded', '2025-03-14T09:21:07.99999999Z', '2025-03-14T09:21:07.9999999Z'],
    ['space instead of T', '2025-03-14 09:21:07.4421337Z', '2025-03-14T09:21:07.4421337Z'],
    ['lower-case t and z', '2025-03-14t09:21:07.4421337z', '2025-03-14T09:21:07.4421337Z'],
    ['comma as decimal separator', '2025-03-14T09:21:07,25Z', '2025-03-14T09:21:07.2500000Z'],
    ['surrounding whitespace', '  2025-03-14T09:21:07Z \n', '2025-03-14T09:21:07.0000000Z'],
    ['leap day', '2024-02-29T12:00:00Z', '2024-02-29T12:00:00.0000000Z'],
  ];
  for (const [name, input, expected] of cases) {
    it(`${name}: ${JSON.stringify(input)} → ${expected}`, () => {
      expect(toCanonicalUtc(input)).toBe(expected);
    });
  }

  const invalid: ReadonlyArray<readonly [string, string]> = [
    ['impossible day 2025-02-30', '2025-02-30T10:00:00Z'],
    ['Feb 29 in a non-leap year', '2025-02-29T10:00:00Z'],
    ['April 31', '2025-04-31T10:00:00Z'],
    ['month 13', '2025-13-01T10:00:00Z'],
    ['month 00', '2025-00-10T10:00:00Z'],
    ['day 00', '2025-03-00T10:00:00Z'],
    ['hour 25', '2025-03-14T25:00:00Z'],
    ['garbage', 'garbage'],
    ['empty string', ''],
    ['date only', '2025-03-14'],
    ['epoch number as text', '1710408067'],
    ['10 fractional digits', '2025-03-14T09:21:07.1234567890Z'],
    ['two-digit year', '25-03-14T09:21:07Z'],
    ['slashes', '2025/03/14T09:21:07Z'],
    ['RFC 1123 text', 'Fri, 14 Mar 2025 09:21:07 GMT'],
    ['named zone', '2025-03-14T09:21:07 UTC'],
  ];
  for (const [name, input] of invalid) {
    it(`${name}: ${JSON.stringify(input)} → null`, () => {
      expect(toCanonicalUtc(input)).toBeNull();
    });
  }

  // Regressions: these five were failing (BUG) against 6e1dbac and are fixed in 47d9c8e. Before the fix the
  // impossible-date check only ran at offset 0, minutes/seconds/offsets were never range-checked (Date.UTC
  // rolled them over), and Date.UTC mapped years 0–99 to 1900–1999.
  it('impossible day 2025-02-30 with a "+02:00" offset → null', () => {
    expect(toCanonicalUtc('2025-02-30T10:00:00+02:00')).toBeNull();
  });

  it('minute 75 → null', () => {
    expect(toCanonicalUtc('2025-01-01T10:75:00Z')).toBeNull();
  });

  it('second 75 → null', () => {
    expect(toCanonicalUtc('2025-01-01T10:00:75Z')).toBeNull();
  });

  it('offset "+99:99" → null', () => {
    expect(toCanonicalUtc('2025-01-01T10:00:00+99:99')).toBeNull();
  });

  it('year 0050 is kept as 0050, not turned into 1950', () => {
    expect(toCanonicalUtc('0050-01-01T00:00:00Z')).toBe('0050-01-01T00:00:00.0000000Z');
  });

  it('second 60 (leap second) → null', () => {
    expect(toCanonicalUtc('2025-01-01T10:59:60Z')).toBeNull();
  });

  it('hour 24 → null', () => {
    expect(toCanonicalUtc('2025-01-01T24:00:00Z')).toBeNull();
  });

  it('offset "+14:00" (the largest real one) is accepted, "+15:00" → null', () => {
    expect(toCanonicalUtc('2025-01-02T00:00:00+14:00')).toBe('2025-01-01T10:00:00.0000000Z');
    expect(toCanonicalUtc('2025-01-02T00:00:00+15:00')).toBeNull();
  });

  it('offset minutes 60 → null', () => {
    expect(toCanonicalUtc('2025-01-01T10:00:00+01:60')).toBeNull();
  });

  it('Feb 29 with an offset in a leap year is accepted, in a non-leap year → null', () => {
    expect(toCanonicalUtc('2024-02-29T01:00:00+02:00')).toBe('2024-02-28T23:00:00.0000000Z');
    expect(toCanonicalUtc('2025-02-29T01:00:00+02:00')).toBeNull();
  });

  it('an offset that moves a time before year 0000 → null (it could not sort as text)', () => {
    expect(toCanonicalUtc('0000-01-01T00:30:00+01:00')).toBeNull();
  });

  it('year 0000 at UTC is kept', () => {
    expect(toCanonicalUtc('0000-01-01T00:00:00Z')).toBe('0000-01-01T00:00:00.0000000Z');
  });

  // Years 0000..9999: Date.toISOString gives the 4-digit form the parser accepts.
  const dates = fc.date({ min: new Date('0000-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true });

  it('property: a Date\'s ISO string canonicalises to the same instant with 7 digits', () => {
    fc.assert(
      fc.property(dates, (d) => {
        expect(toCanonicalUtc(d.toISOString())).toBe(`${d.toISOString().slice(0, 23)}0000Z`);
      }),
    );
  });

  it('property: lexical order of canonical strings equals numeric time order', () => {
    fc.assert(
      fc.property(dates, dates, (a, b) => {
        const ca = toCanonicalUtc(a.toISOString());
        const cb = toCanonicalUtc(b.toISOString());
        if (ca === null || cb === null) throw new Error(`not canonicalised: ${a.toISOString()} / ${b.toISOString()}`);
        const lexical = ca < cb ? -1 : ca > cb ? 1 : 0;
        expect(lexical).toBe(Math.sign(a.getTime() - b.getTime()));
      }),
      { numRuns: 500 },
    );
  });

  it('property: sorting canonical strings sorts the instants, including sub-millisecond digits and offsets', () => {
    // Each instant: a Date (ms precision) + 4 extra digits of 100 ns, written with a random offset.
    const instant = fc.record({
      date: fc.date({ min: new Date('0000-01-02T00:00:00.000Z'), max: new Date('9999-12-30T00:00:00.000Z'), noInvalidDate: true }),
      sub: fc.integer({ min: 0, max: 9999 }),
      offsetMinutes: fc.integer({ min: -14 * 60, max: 14 * 60 }),
      compactOffset: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(instant, { minLength: 2, maxLength: 20 }), (instants) => {
        const written = instants.map(({ date, sub, offsetMinutes, compactOffset }) => {
          const local = new Date(date.getTime() + offsetMinutes * 60_000).toISOString();
          const sign = offsetMinutes < 0 ? '-' : '+';
          const abs = Math.abs(offsetMinutes);
          const hh = String(Math.floor(abs / 60)).padStart(2, '0');
          const mm = String(abs % 60).padStart(2, '0');
          const text = `${local.slice(0, 23)}${String(sub).padStart(4, '0')}${sign}${hh}${compactOffset ? '' : ':'}${mm}`;
          // 100-ns ticks since the epoch, exact in a bigint.
          const ticks = BigInt(date.getTime()) * 10_000n + BigInt(sub);
          return { text, ticks };
        });
        const canonical = written.map((w) => ({ ...w, canonical: toCanonicalUtc(w.text) }));
        for (const c of canonical) expect(c.canonical).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$/);
        const byText = [...canonical].sort((x, y) => (x.canonical! < y.canonical! ? -1 : x.canonical! > y.canonical! ? 1 : 0));
        const byTime = [...canonical].sort((x, y) => (x.ticks < y.ticks ? -1 : x.ticks > y.ticks ? 1 : 0));
        expect(byText.map((c) => c.ticks)).toEqual(byTime.map((c) => c.ticks));
        // Equal instants written with different offsets canonicalise to the same string.
        for (const x of canonical) for (const y of canonical) if (x.ticks === y.ticks) expect(x.canonical).toBe(y.canonical);
      }),
      { numRuns: 300 },
    );
  });
});

describe('utcTime', () => {
  it('utcTime accepts a string and returns the canonical form', () => {
    expect(utcTime.parse('2025-03-14T11:21:07+02:00')).toBe('2025-03-14T09:21:07.0000000Z');
  });

  it('utcTime accepts a Date', () => {
    expect(utcTime.parse(new Date('2025-03-14T09:21:07.442Z'))).toBe('2025-03-14T09:21:07.4420000Z');
  });

  it('utcTime rejects garbage with a message quoting it', () => {
    const result = utcTime.safeParse('yesterday');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain('"yesterday"');
  });

  it('utcTime rejects a number (epoch seconds)', () => {
    expect(utcTime.safeParse(1710408067).success).toBe(false);
  });
});

describe('looseNumber takes decimal text only', () => {
  it.each(['0x10', '0b101', '0o7', 'Infinity', '1_000'])('%s is rejected', (text) => {
    expect(looseNumber.safeParse(text).success).toBe(false);
  });
  it.each([['1e3', 1000], ['.5', 0.5], ['-2', -2], ['3.', 3]] as const)('%s is %d', (text, value) => {
    expect(looseNumber.parse(text)).toBe(value);
  });
});
