import { expect, it } from 'vitest';
import { samplesExpected } from '../helpers/samplesExpected.js';
import { describeInBrowser, useBrowsedDashboard, type Browsed } from './browserHarness.js';

/**
 * The dashboard's views in headless Chromium over the samples' ledger, plus one hostile message whose
 * recipient address and failure text are HTML: the page must show them as text and never run them.
 */
const XSS_MESSAGE = '0badc0de-0000-4000-8000-00000000a5a5';
const XSS_ADDRESS = 'x<img src=x onerror="window.__xss=1">@evil.example';
const XSS_FAILURE = '<script>window.__xss=2</script><b>bold</b>';
const XSS_URL = 'javascript:window.__xss=4';
const XSS_AGENT = 'Mozilla/5.0 <svg onload="window.__xss=5">';
const XSS_REASON = 'Rejected<img src=x onerror="window.__xss=3">';
const RESOURCE = '/SUBSCRIPTIONS/11111111-2222-3333-4444-555555555555/RESOURCEGROUPS/RG-EMAIL-DEMO/PROVIDERS/MICROSOFT.COMMUNICATION/COMMUNICATIONSERVICES/ACS-EMAIL-DEMO';
const SAMPLE_ADDRESS = 'bob.davis@example.org';
const WINDOW = 'window=custom&from=2025-03-14T00:00:00.000Z&to=2025-03-15T00:00:00.000Z';

const hostile = [
  {
    time: '2025-03-14T12:00:00.0000000Z', resourceId: RESOURCE, location: 'eastus', operationName: 'SendMail', operationVersion: '2023-03-31',
    category: 'EmailSendMailOperational', correlationId: XSS_MESSAGE,
    properties: { OperationType: 'SendMail', OperationCategory: 'EmailSendMailOperational', Size: 0.01, ToRecipientsCount: 1, CcRecipientsCount: 0, BccRecipientsCount: 0, UniqueRecipientsCount: 1, AttachmentsCount: 0, TrafficSource: 'SMTP' },
  },
  {
    time: '2025-03-14T12:00:05.000Z', resourceId: RESOURCE, location: 'eastus', operationName: 'DeliveryStatusUpdate', operationVersion: '1.0',
    category: 'EmailStatusUpdateOperational', correlationId: XSS_MESSAGE,
    properties: {
      OperationType: 'DeliveryStatusUpdate', OperationCategory: 'EmailStatusUpdateOperational', RecipientId: XSS_ADDRESS, DeliveryStatus: 'Failed',
      SmtpStatusCode: '550', EnhancedSmtpStatusCode: '5.7.1', FailureReason: XSS_REASON, FailureMessage: XSS_FAILURE,
      SenderDomain: 'example.com', SenderUsername: 'donotreply', IsHardBounce: false,
    },
  },
  {
    time: '2025-03-14T12:01:00.000Z', resourceId: RESOURCE, location: 'eastus', operationName: 'UserEngagementUpdate', operationVersion: '1.0',
    category: 'EmailUserEngagementOperational', correlationId: XSS_MESSAGE,
    properties: { OperationType: 'UserEngagementUpdate', OperationCategory: 'EmailUserEngagementOperational', RecipientId: XSS_ADDRESS, EngagementType: 'Click', EngagementContext: XSS_URL, UserAgent: XSS_AGENT },
  },
];

const dashboard = useBrowsedDashboard(hostile);

/** Nothing ran and no element came from the hostile text: only text nodes carry it. */
async function expectInert(b: Browsed, view: string, texts: readonly string[]): Promise<void> {
  const body = await b.page.locator(`[data-view="${view}"]`).innerText();
  for (const text of texts) expect(body, `${view} shows ${text} literally`).toContain(text);
  // A string, evaluated in the page: the test code itself has no DOM types.
  const found = await b.page.evaluate<Record<string, unknown>>(`({
    xss: window.__xss,
    scripts: document.querySelectorAll('main script').length,
    imgs: [...document.querySelectorAll('img')].filter((i) => i.getAttribute('src') === 'x').length,
    bolds: [...document.querySelectorAll('main b')].filter((e) => e.textContent === 'bold').length,
  })`);
  expect(found).toEqual({ xss: undefined, scripts: 0, imgs: 0, bolds: 0 });
  expect(b.errors).toEqual([]);
}

describeInBrowser('dashboard views in Chromium', () => {
  it('overview jumps to the samples, and a bar opens that bucket in #/messages', async () => {
    const b = dashboard();
    await b.open('overview?window=7d', 'overview');
    const jump = b.page.locator('[data-jump-latest]');
    await jump.click({ timeout: 5000 });
    await b.page.waitForURL(/from=2025-03-\d\d/, { timeout: 5000 });
    await b.page.waitForSelector('[data-view="overview"][data-ready="true"] canvas[data-chart="status-over-time"]', { timeout: 5000 });
    expect(Number((await b.page.locator('[data-count="Delivered"]').innerText()).replace(/\D/g, ''))).toBeGreaterThan(0);
    // Chart.js draws on a canvas: sweep the lowest bar row (the first stacked status) until a click lands.
    const canvas = b.page.locator('canvas[data-chart="status-over-time"]');
    const box = await canvas.boundingBox();
    if (box === null) throw new Error('the chart has no box');
    for (let x = 40; x < box.width && !b.page.url().includes('#/messages'); x += 4) {
      await b.page.mouse.click(box.x + x, box.y + box.height - 36);
    }
    const hash = decodeURIComponent(new URL(b.page.url()).hash);
    expect(hash).toMatch(/^#\/messages\?from=2025-03-1\d/);
    expect(hash).toContain('status=');
    await b.page.waitForSelector('[data-view="messages"][data-ready="true"]');
    expect(await b.page.locator('table[data-table="messages"] tbody tr').count()).toBeGreaterThan(0);
    expect(b.errors).toEqual([]);
  });

  it('overview with a hash window shows the samples\' totals', async () => {
    const b = dashboard();
    await b.open(`overview?${WINDOW}`, 'overview');
    const recipients = await b.page.locator('.card .metric a').first().innerText();
    // The samples' recipients and the one the hostile record adds.
    expect(Number(recipients.replace(/\D/g, ''))).toBe(samplesExpected.recipients + 1);
    expect(b.errors).toEqual([]);
  });

  it('#/messages lists the window\'s messages, newest first, 50 a page', async () => {
    const b = dashboard();
    await b.open(`messages?from=2025-03-14T00:00:00.000Z&to=2025-03-15T00:00:00.000Z`, 'messages');
    expect(await b.page.locator('table[data-table="messages"] tbody tr').count()).toBe(50);
    expect(await b.page.locator('[data-next]').count()).toBe(1);
    expect(b.errors).toEqual([]);
  });

  it('messages list shows the hostile message\'s row (its id and counts; the list shows no address or failure text)', async () => {
    const b = dashboard();
    await b.open(`messages?from=2025-03-14T11:59:00.000Z&to=2025-03-14T12:01:00.000Z`, 'messages');
    await expectInert(b, 'messages', [XSS_MESSAGE, 'Failed 1']);
  });

  it.each(['providers', 'engagement'])('%s renders the samples\' window without errors', async (view) => {
    const b = dashboard();
    await b.open(`${view}?${WINDOW}`, view);
    expect(await b.page.locator(`[data-view="${view}"] [data-empty]`).count()).toBe(0);
    expect(await b.page.locator(`[data-view="${view}"] a[href^="#/messages?"]`).count()).toBeGreaterThan(0);
    expect(b.errors).toEqual([]);
  });

  it('failures view shows the hostile failure as text', async () => {
    const b = dashboard();
    await b.open(`failures?${WINDOW}`, 'failures');
    await expectInert(b, 'failures', ['5.7.1', XSS_REASON]);
    // The hostile record's own row: Failed, 550, 5.7.1, its reason (the samples have no such combination).
    const rows = b.page.locator('[data-view="failures"] tbody tr').filter({ hasText: /^\s*Failed\s*550\s*5\.7\.1\s*Rejected<img src=x onerror="window\.__xss=3">\s*1(\D|$)/ });
    expect(await rows.count()).toBe(1);
  });

  it('search by address lists its messages, and by message id finds the message', async () => {
    const b = dashboard();
    await b.open(`search?q=${encodeURIComponent(SAMPLE_ADDRESS)}`, 'search');
    const links = b.page.locator('[data-view="search"] a[href^="#/message/"]');
    expect(await links.count()).toBeGreaterThan(0);
    const first = await links.first().getAttribute('href');
    const id = decodeURIComponent(first?.replace('#/message/', '') ?? '');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await b.open(`search?q=${id}`, 'search');
    expect(await b.page.locator('[data-view="search"] [data-result="message"]').innerText()).toContain(id);
    await b.page.locator('[data-open="message"]').click();
    await b.page.waitForSelector('[data-view="message"][data-ready="true"]');
    expect(await b.page.locator('[data-view="message"]').innerText()).toContain(SAMPLE_ADDRESS);
    expect(b.errors).toEqual([]);
  });

  it('search by the hostile address finds the hostile message, as text', async () => {
    const b = dashboard();
    await b.open(`search?q=${encodeURIComponent(XSS_ADDRESS)}`, 'search');
    expect(await b.page.locator(`[data-view="search"] a[href="#/message/${XSS_MESSAGE}"]`).count()).toBeGreaterThan(0);
    await expectInert(b, 'search', [XSS_ADDRESS]);
  });

  it('message page shows the hostile recipient, reason and failure message as text, with its timeline', async () => {
    const b = dashboard();
    await b.open(`message/${XSS_MESSAGE}`, 'message');
    await expectInert(b, 'message', [XSS_ADDRESS, XSS_REASON, XSS_FAILURE, XSS_URL, XSS_AGENT]);
    // The clicked URL is text, never a live link, and the user agent made no element.
    expect(await b.page.locator('[data-view="message"] a[href^="javascript:"], [data-view="message"] svg[onload]').count()).toBe(0);
    // The recipient's timeline holds its one status record: Failed, 550, 5.7.1.
    const timeline = await b.page.locator('[data-view="message"]').innerText();
    expect(timeline).toMatch(/Failed[\s\S]*550[\s\S]*5\.7\.1/);
  });

  it('recipient page shows the hostile address as text and links its message', async () => {
    const b = dashboard();
    await b.open(`recipient/${encodeURIComponent(XSS_ADDRESS)}`, 'recipient');
    expect(await b.page.locator(`[data-view="recipient"] a[href="#/message/${XSS_MESSAGE}"]`).count()).toBe(1);
    await expectInert(b, 'recipient', [XSS_ADDRESS]);
  });

  it('an unknown message id says so', async () => {
    const b = dashboard();
    await b.open('message/00000000-0000-4000-8000-000000000000', 'message');
    expect(await b.page.locator('[data-view="message"]').innerText()).toMatch(/no such message/i);
  });

  it('suppressions lists the registry by address, searches, and links the CSV export', async () => {
    const b = dashboard();
    await b.open('suppressions', 'suppressions');
    const rows = b.page.locator('table[data-table="suppressions"] tbody tr');
    expect(await rows.count()).toBeGreaterThan(0);
    const csv = await b.page.locator('[data-view="suppressions"] a[href^="../bounces?"][href*="format=csv"]').count();
    expect(csv).toBe(1);
    await b.open('suppressions?q=zzz-no-such-address', 'suppressions');
    expect(await b.page.locator('table[data-table="suppressions"] tbody tr').count()).toBe(0);
    expect(b.errors).toEqual([]);
  });

  it('alerts and dead letters render their lists', async () => {
    const b = dashboard();
    await b.open('alerts', 'alerts');
    expect(await b.page.locator('table[data-table="alerts"] tbody tr').count()).toBeGreaterThan(0);
    await b.open('deadletters', 'deadletters');
    expect(await b.page.locator('table[data-table="deadletters"] details').count()).toBeGreaterThan(0);
    expect(b.errors).toEqual([]);
  });

  it('overview shows the guardrail per sender domain with linked counts', async () => {
    const b = dashboard();
    await b.open(`overview?${WINDOW}`, 'overview');
    const rows = b.page.locator('table[data-table="guardrail"] tbody tr');
    expect(await rows.count()).toBeGreaterThan(0);
    expect(await b.page.locator('table[data-table="guardrail"] a[href*="sender-domain="]').count()).toBeGreaterThan(0);
    expect(await rows.first().innerText()).toMatch(/ok|warning|critical/);
    expect(b.errors).toEqual([]);
  });
});
