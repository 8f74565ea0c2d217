import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createWebhookSink } from '../../src/dispatch/sinks/webhookSink.js';
import { sampleHardBounce } from '../helpers/sampleAlerts.js';

/** The receiver example in the README, run as written, against our own signed webhook: docs cannot drift. */
const root = fileURLToPath(new URL('../../', import.meta.url));
const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
let child: ChildProcess | undefined;
let dir: string | undefined;
afterAll(() => {
  child?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function readmeReceiver(): string {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Receiving and verifying'));
  const block = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error('README has no js block under "Receiving and verifying"');
  return block;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

describe('README receiver example', () => {
  it('accepts an alert signed by our webhook sink and refuses one signed with another secret', async () => {
    // Inside the repository, so that `standardwebhooks` resolves from node_modules.
    dir = mkdtempSync(path.join(root, 'test', 'docs', '.receiver-'));
    const file = path.join(dir, 'receiver.mjs');
    writeFileSync(file, readmeReceiver());
    const port = await freePort();
    child = spawn(process.execPath, [file], { env: { ...process.env, PORT: String(port), LEDGER_ALERT_WEBHOOK_SECRET: secret }, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
    const url = `http://127.0.0.1:${port}/`;
    const deliver = (key: string) => createWebhookSink({ url, secret: key, format: 'standard', timeoutMs: 2_000 }).deliver(sampleHardBounce());
    let result = await deliver(secret);
    for (let i = 0; i < 50 && result.outcome === 'retry'; i += 1) {
      await new Promise((r) => setTimeout(r, 100)); // the example is still starting
      result = await deliver(secret);
    }
    expect(result).toMatchObject({ outcome: 'delivered', status: 204 });
    expect(await deliver('whsec_' + Buffer.from('another secret entirely').toString('base64'))).toMatchObject({ outcome: 'rejected', status: 400 });
    expect(output.join('')).toContain('hard_bounce nobody@contoso.example');
  });
});
