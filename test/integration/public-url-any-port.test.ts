// HTTP_PORT 0 ("any free port") without PUBLIC_URL: the links in customers' mail said http://localhost:0, which
// opens nothing. They name the port the server was given, and the daemon says at start that such links last one run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/http/server.js';
import '../../src/http/routes.js';
import { cliBuilt } from '../support/cli.js';
import { createTestApp, mail, type TestApp } from '../support/app.js';
import { daemonLogLines, startDaemon, waitFor, type Daemon } from '../support/daemon.js';
import { startSmtpPeer } from '../support/smtp.js';

let app: TestApp | undefined;
let daemon: Daemon | undefined;
let dir: string | undefined;
afterEach(async () => {
  await app?.dispose();
  await daemon?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
  app = daemon = dir = undefined;
});

describe('HTTP_PORT 0 and no PUBLIC_URL', () => {
  it("a bulletin's confirmation link in the outbox names the port the server listens on, and opens", async () => {
    app = await createTestApp({ BULLETIN_ADDRESS: 'boletin@example.test', HTTP_PORT: '0' });
    const server = await buildServer(app);
    try {
      await server.listen({ port: 0, host: '127.0.0.1' });
      const { port } = server.server.address() as { port: number };
      const raw = mail({ headers: { From: 'ana@cliente.mx', To: 'boletin@example.test', Subject: 'SUSCRIBIR MX', 'Message-ID': '<s1@example.org>' }, body: '' });
      await app.pipeline.ingest(raw, { source: 'file', sourceRef: 's1' });
      const confirm = await app.db.outboxMail.findFirstOrThrow({ where: { template: 'bulletin_confirm' } });
      const link = /http:\/\/localhost:\d+\/bulletins\/confirm\?t=[^\s"<]+/.exec(confirm.text)?.[0];
      expect(link).toBeDefined();
      expect(new URL(link as string).port).toBe(String(port));
      // The customer's click (localhost: this machine, where the test's server listens on 127.0.0.1).
      const answer = await fetch((link as string).replace('localhost', '127.0.0.1'));
      expect(answer.status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it.skipIf(!cliBuilt)('`start` logs the real port as publicUrl and warns, naming PUBLIC_URL, that the links last one run', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ventanilla-any-port-'));
    daemon = startDaemon({ DATA_DIR: join(dir, 'data'), SUPPORT_ADDRESS: 'soporte@example.test', HTTP_PORT: '0' });
    const listening = await waitFor(() => daemonLogLines(daemon as Daemon).find((l) => l.msg === 'HTTP server listening'), 'the HTTP server');
    const port = new URL(String(listening.address)).port;
    expect(port).not.toBe('0');
    expect(listening.publicUrl).toBe(`http://localhost:${port}`);
    const warning = await waitFor(() => daemonLogLines(daemon as Daemon).find((l) => l.level === 40 && l.msg.startsWith('PUBLIC_URL is not set and HTTP_PORT is 0')), 'the warning');
    expect(warning.msg).toContain('set PUBLIC_URL');
    expect(warning.publicUrl).toBe(`http://localhost:${port}`);
  });

  it.skipIf(!cliBuilt)('`start` sending by SMTP also says, naming PUBLIC_URL, that links naming this machine will not open for customers', async () => {
    const smtp = await startSmtpPeer();
    try {
      dir = mkdtempSync(join(tmpdir(), 'ventanilla-any-port-'));
      daemon = startDaemon({ DATA_DIR: join(dir, 'data'), SUPPORT_ADDRESS: 'soporte@example.test', HTTP_PORT: '0', ...smtp.env() });
      const warning = await waitFor(() => daemonLogLines(daemon as Daemon).find((l) => l.level === 40 && l.msg.startsWith('PUBLIC_URL: it names this machine')), 'the warning');
      expect(warning.msg).toContain("will not open for them; set it to this server's public https address");
      expect(String(warning.publicUrl)).toMatch(/^http:\/\/localhost:[1-9]\d*$/);
    } finally {
      await daemon?.kill();
      await smtp.stop();
    }
  });
});
