/**
 * A local `node:http` server that checks AWS Signature Version 4 the way API Gateway does: it
 * recomputes the signature from the request it received and fixed credentials, and answers 403 on any mismatch.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll } from 'vitest';

/** The credentials the server accepts; tests hand them to the client through AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. */
export const TEST_CREDENTIALS = { accessKeyId: 'AKIDEDWETEST', secretAccessKey: 'edwe-test-secret-key' } as const;

/** One request as the server saw it, and whether its signature held. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** Undefined when the signature verified; else why not. */
  rejected?: string;
}

type SourceData = string | ArrayBuffer | ArrayBufferView;

class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', secret as string | Uint8Array);
  }
  update(data: SourceData): void {
    this.hash.update(data as string | Uint8Array);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

/** Why the request's signature does not hold for `service`, or undefined when it does. */
export async function checkSignature(
  request: IncomingMessage,
  body: string,
  service: string,
  credentials: { accessKeyId: string; secretAccessKey: string } = TEST_CREDENTIALS,
): Promise<string | undefined> {
  const match = AUTHORIZATION.exec(request.headers.authorization ?? '');
  if (!match) return `no SigV4 Authorization header (${request.headers.authorization ?? 'none'})`;
  const [, accessKeyId, day, region, signedService, signedHeaders, signature] = match as unknown as string[];
  if (accessKeyId !== credentials.accessKeyId) return `unknown access key ${accessKeyId}`;
  if (signedService !== service) return `signed for ${signedService}, not ${service}`;
  const amzDate = String(request.headers['x-amz-date'] ?? '');
  if (!amzDate.startsWith(day as string)) return `x-amz-date ${amzDate} is not the credential day ${day}`;
  const headers: Record<string, string> = {};
  for (const name of (signedHeaders as string).split(';')) headers[name] = String(request.headers[name] ?? '');
  if (!headers.host) return 'host is not signed';
  // The signer trusts a given payload hash; the service hashes the body it received, so must we.
  const payloadHash = createHash('sha256').update(body).digest('hex');
  if (headers['x-amz-content-sha256'] !== undefined && headers['x-amz-content-sha256'] !== payloadHash) return 'x-amz-content-sha256 does not match the body';
  const url = new URL(request.url ?? '/', `http://${request.headers.host}`);
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of url.searchParams) {
    const seen = query[name];
    query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const signer = new SignatureV4({ service, region: region as string, credentials, sha256: Sha256 });
  const expected = await signer.sign(
    { method: request.method ?? 'GET', protocol: 'http:', hostname: url.hostname, path: url.pathname, query, headers, body },
    { signingDate },
  );
  const recomputed = /Signature=([0-9a-f]{64})/.exec(String(expected.headers.authorization))?.[1];
  return recomputed === signature ? undefined : 'signature does not match the request';
}

/** Starts the verifying server for a describe block; it answers `{ ok: true, path }` or 403 `{ message }`. */
export function useSigV4Server(service = 'execute-api'): { readonly url: string; readonly seen: SeenRequest[] } {
  const state = { url: '', seen: [] as SeenRequest[] };
  let server: Server;
  beforeAll(async () => {
    server = createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks).toString('utf8');
      const rejected = await checkSignature(request, body, service);
      state.seen.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body, ...(rejected ? { rejected } : {}) });
      response.writeHead(rejected ? 403 : 200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(rejected ? { error: 'unauthorized', message: rejected } : { ok: true, path: request.url }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return state;
}
