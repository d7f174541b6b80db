/**
 * `fetch`, signed with AWS Signature Version 4: how the CLI calls a deployed engine whose API
 * requires IAM. Credentials come from the standard chain (env, profile, SSO, IMDS…), resolved once.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import type { SignatureV4, SignatureV4Init } from '@smithy/signature-v4';

// The signer's own types, so the CLI depends on no package it does not declare.
type Credentials = SignatureV4Init['credentials'];
type AwsCredentialIdentity = Exclude<Credentials, (...args: never[]) => unknown>;
type AwsCredentialIdentityProvider = () => Promise<AwsCredentialIdentity>;
/** What the signer hands a hash: text or bytes. */
type SourceData = string | ArrayBuffer | ArrayBufferView;

/** What `fetch` takes and answers: the shape every API caller here depends on. */
export type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

/** Options of a signing fetch; every one has a default fit for the engine's API Gateway. */
export interface AwsFetchOptions {
  /** The signing name: `execute-api` for API Gateway, `monitoring` for CloudWatch, `sns`… */
  readonly service?: string;
  /** The signing region; default: taken from the URL's host, else `AWS_REGION` / `AWS_DEFAULT_REGION`. */
  readonly region?: string;
  /** The credentials or their provider; default: the SDK's credential chain. */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** The transport; default: the global `fetch`. */
  readonly fetch?: FetchLike;
  readonly env?: NodeJS.ProcessEnv;
}

const EXECUTE_API_HOST = /^[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/;
const REGIONAL_HOST = /\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?$/;

/** Whether a URL is an API Gateway endpoint (`<id>.execute-api.<region>.amazonaws.com[.cn]`), so calls to it need SigV4. */
export function isExecuteApiUrl(url: string | URL): boolean {
  return EXECUTE_API_HOST.test(new URL(url).hostname);
}

/** The region written in an AWS host name (`…execute-api.eu-west-1.amazonaws.com`), if any. */
export function regionFromUrl(url: string | URL): string | undefined {
  return new URL(url).hostname.match(REGIONAL_HOST)?.[1];
}

const bytes = (data: SourceData): string | Uint8Array =>
  typeof data === 'string' ? data : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);

/** SHA-256 (and HMAC-SHA-256 when given a secret) for the signer, from node:crypto. */
class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

async function defaultCredentials(): Promise<AwsCredentialIdentityProvider> {
  // Loaded when first used: the chain pulls in SSO and STS clients no local command needs.
  const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
  return defaultProvider();
}

function bodyOf(body: RequestInit['body']): string | Uint8Array | undefined {
  if (body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array) return body ?? undefined;
  if (body instanceof URLSearchParams) return body.toString();
  throw new TypeError(`awsFetch signs a string, Uint8Array or URLSearchParams body, not ${Object.prototype.toString.call(body)}`);
}

/**
 * A `fetch` that signs each request with SigV4 before sending it.
 * @example
 *   const signed = createAwsFetch({ service: 'monitoring', region: 'eu-west-1' });
 *   await signed('https://monitoring.eu-west-1.amazonaws.com/', { method: 'POST', body: 'Action=DescribeAlarms&Version=2010-08-01' });
 */
export function createAwsFetch(options: AwsFetchOptions = {}): FetchLike {
  const env = options.env ?? process.env;
  const transport = options.fetch ?? ((url, init) => fetch(url, init));
  let credentials: Promise<AwsCredentialIdentityProvider> | undefined;
  const provider: AwsCredentialIdentityProvider = async () => {
    if (options.credentials !== undefined) return typeof options.credentials === 'function' ? options.credentials() : options.credentials;
    credentials ??= defaultCredentials();
    return (await credentials)();
  };
  const signers = new Map<string, SignatureV4>();
  const signerFor = async (region: string) => {
    let signer = signers.get(region);
    if (!signer) {
      // Loaded when first used: the signer and its Smithy core are start-up cost every unsigned command would pay.
      const { SignatureV4 } = await import('@smithy/signature-v4');
      signer = new SignatureV4({ service: options.service ?? 'execute-api', region, credentials: provider, sha256: NodeSha256 });
      signers.set(region, signer);
    }
    return signer;
  };

  return async (input, init = {}) => {
    const url = new URL(input);
    const region = options.region ?? regionFromUrl(url) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
    if (!region) throw new Error(`cannot sign a request to ${url.host}: its host names no region; set AWS_REGION`);
    const body = bodyOf(init.body);
    const headers: Record<string, string> = { host: url.host };
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const query: Record<string, string | string[]> = {};
    for (const [name, value] of url.searchParams) {
      const seen = query[name];
      query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
    }
    const signed = await (await signerFor(region)).sign({
      method: (init.method ?? 'GET').toUpperCase(),
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers,
      body,
    });
    // The transport writes Host itself, from the same URL; the signature covers that value.
    const { host: _host, ...sent } = signed.headers;
    return transport(url, { ...init, headers: sent, ...(body === undefined ? {} : { body }) });
  };
}

/** `fetch` signed for API Gateway (`execute-api`) with the default credential chain; region from the URL or `AWS_REGION`. */
export const awsFetch: FetchLike = (() => {
  let signing: FetchLike | undefined;
  return (url, init) => {
    signing ??= createAwsFetch();
    return signing(url, init);
  };
})();
