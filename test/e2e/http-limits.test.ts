import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedEngine } from '../../lambdas/embedded/embedded-engine.js';
import { createHttpServer } from '../../lambdas/embedded/http-server.js';
import { createLogger } from '../../lambdas/embedded/logger.js';
import { loadProject } from '../../lambdas/project/load-project.js';

/** The engine in this process behind its HTTP server, with small limits so that they are reached quickly. */
describe('the embedded HTTP server at its limits', () => {
  const dbPath = join(mkdtempSync(join(tmpdir(), 'edwe-limits-')), 'events.db');
  let engine: EmbeddedEngine;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    engine = await EmbeddedEngine.open({ project: loadProject(), dbPath, logger: createLogger({ level: 'silent' }) });
    server = createHttpServer(engine, createLogger({ level: 'silent' }), { limits: { bodyIdleTimeoutMs: 300, maxBytesInFlight: 64 * 1024 } });
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((closed) => server.close(closed));
    await engine.close();
  });

  const post = async (body: unknown) => {
    const response = await fetch(`${url}/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as any };
  };

  it('answers 408 to a body that stalls, without waiting for Node’s minutes-long timeout', async () => {
    const { port } = new URL(url);
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.write('POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"type":'),
      );
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('close', () => resolve(text));
      socket.on('end', () => resolve(text));
    });

    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(answer).toContain('"error":"request_timeout"');
  });

  it('answers 503 with Retry-After once the bodies in flight pass the byte budget', async () => {
    const answer = await post({ type: 't', source: 's', data: { pad: 'x'.repeat(100 * 1024) } });

    expect(answer).toMatchObject({ status: 503, retryAfter: '1', body: { error: 'overloaded' } });
  });

  it('answers 503 and a degraded /health while another process holds the database lock, and recovers when it is released', async () => {
    const other = new Database(dbPath);
    other.exec('BEGIN EXCLUSIVE');
    try {
      const refused = await post({ id: 'locked-1', type: 't', source: 's' });
      expect(refused).toMatchObject({ status: 503, retryAfter: '1', body: { error: 'unavailable', message: expect.stringMatching(/SQLITE_BUSY/) } });
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ status: 'degraded' });
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }

    expect((await post({ id: 'locked-1', type: 't', source: 's' })).status).toBe(202);
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });
});
