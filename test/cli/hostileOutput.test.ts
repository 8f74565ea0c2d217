import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { bouncesCsv, renderBounces } from '../../src/cli/commands/bouncesCommand.js';
import { createOutput, describeError } from '../../src/cli/output.js';
import { csvCell, escapeForTerminal } from '../../src/cli/terminalText.js';
import { LedgerError } from '../../src/errors.js';
import type { BounceRecord } from '../../src/state/bounceRecord.js';

/** Hostile text in the ledger (addresses, SMTP failure messages) reaches people's terminals and spreadsheets. */
const ESC = '\u001b';
const CSI_8BIT = '\u009b';
const RLO = '\u202e';
const HOSTILE = [`${ESC}]8;;https://evil.example/${ESC}\\click${ESC}]8;;${ESC}\\`, `${ESC}[2J${ESC}[H`, `${CSI_8BIT}31m`, `${RLO}gpj.exe`, 'a\rb', '\u0007bell', '\u2066x\u2069', 'x\u2028y', '\u007f'];

function record(overrides: Partial<BounceRecord>): BounceRecord {
  return {
    address: 'bob@example.org', hardBounces: 1, suppressedSends: 0, firstBounceAt: '2025-01-01T00:00:00.000Z', lastBounceAt: '2025-01-01T00:00:00.000Z',
    lastFingerprint: 'f', lastMessageId: 'm1', lastStatus: 'Bounced', lastSmtpStatusCode: '550', lastEnhancedSmtpStatusCode: '5.1.1',
    lastFailureReason: null, lastFailureMessage: null, bounceTimes: [], bounceEvents: [], lease: null, ...overrides,
  };
}

function capture(json: boolean): { out: ReturnType<typeof createOutput>; stdout: () => string; stderr: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const read = (s: PassThrough) => () => String(s.read() ?? '');
  return { out: createOutput(json, { stdout, stderr }), stdout: read(stdout), stderr: read(stderr) };
}

/** Every character a terminal could act on, other than line feed and tab. */
const ACTIVE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;

describe('human output escapes what a terminal would act on', () => {
  it.each(HOSTILE)('%j in an address or failure message is shown escaped', (hostile) => {
    const records = [record({ address: `${hostile}@example.org`, lastFailureReason: hostile, lastEnhancedSmtpStatusCode: hostile })];
    const { out, stdout } = capture(false);
    out.result(records, () => renderBounces({ bounces: records, continuation: null }));
    const text = stdout();
    expect(text).not.toMatch(ACTIVE);
    expect(text).toContain(escapeForTerminal(`${hostile}@example.org`));
    expect(text.endsWith('\n')).toBe(true);
  });

  it('JSON output stays exact', () => {
    const address = `${HOSTILE.join('')}@example.org`;
    const records = [record({ address })];
    const { out, stdout } = capture(true);
    out.result(records, () => renderBounces({ bounces: records, continuation: null }));
    expect((JSON.parse(stdout()) as BounceRecord[])[0]?.address).toBe(address);
  });

  it('notes and error messages on stderr are escaped too', () => {
    const { out, stderr } = capture(false);
    out.note(`replay: reading ${ESC}[31mevil.json`);
    expect(stderr()).toBe('replay: reading \\u001b[31mevil.json\n');
    const message = describeError(new LedgerError('usage', `No message with id ${ESC}[2J${RLO}x`, { context: { file: `${CSI_8BIT}y` } }));
    expect(message).not.toMatch(ACTIVE);
    expect(message).toContain('\\u001b[2J\\u202ex');
    expect(message).toContain('\\u009by');
  });

  it('leaves ordinary text, line feeds, tabs and international addresses alone', () => {
    const text = 'José Müller <jose@bücher.example>\n\t日本語 😀 مرحبا';
    expect(escapeForTerminal(text)).toBe(text);
  });
});

describe('bounces --csv neutralises formulas (OWASP CSV injection)', () => {
  it.each([
    ['=HYPERLINK("http://evil.example","x")', `"'=HYPERLINK(""http://evil.example"",""x"")"`],
    ['+1+1', "'+1+1"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tcmd', "'\tcmd"],
    ['\rcmd', `"'\rcmd"`],
    ['plain@example.org', 'plain@example.org'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['line\nbreak', '"line\nbreak"'],
  ])('%j becomes %j', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  it('numbers, nulls and empty cells are written as they are', () => {
    expect([csvCell(-1), csvCell(0), csvCell(null), csvCell(undefined), csvCell('')]).toEqual(['-1', '0', '', '', '']);
  });

  it('a whole export: every formula cell prefixed, the columns intact', () => {
    const csv = bouncesCsv([record({ address: '=cmd|\' /C calc\'!A0@example.org', lastFailureReason: '@evil', lastMessageId: '+m' })]);
    const [header, row] = csv.split('\n');
    expect(header?.split(',')).toHaveLength(12);
    expect(row).toBe(`'=cmd|' /C calc'!A0@example.org,1,0,2025-01-01T00:00:00.000Z,2025-01-01T00:00:00.000Z,'+m,Bounced,550,5.1.1,'@evil,,`);
  });
});
