/**
 * The AWS Query protocol (form-encoded POST, XML answer), signed with SigV4 through aws-fetch: how
 * the smoke test calls CloudWatch and SNS, whose SDK clients the project does not depend on.
 */
import { createAwsFetch, type FetchLike } from './aws-fetch.js';

/** One Query API call: the service's signing name and the form parameters; answers the XML body. */
export type QueryCall = (service: 'monitoring' | 'sns', params: Readonly<Record<string, string>>) => Promise<string>;

/** An AWS answer that is not a 2xx, with the service's error code. */
export class AwsQueryError extends Error {
  constructor(
    readonly service: string,
    readonly action: string,
    readonly status: number,
    readonly code: string | undefined,
    detail: string,
  ) {
    super(`${service} ${action} answered ${status} ${code ?? ''}: ${detail}`.replace(/ {2}/g, ' '));
    this.name = 'AwsQueryError';
  }
}

/**
 * Query calls in a region. The endpoint honours `AWS_ENDPOINT_URL_<SERVICE>` and `AWS_ENDPOINT_URL`
 * as the SDK does (the moto tier sets the latter), else `https://<service>.<region>.amazonaws.com[.cn]`.
 */
export function awsQuery(options: { region?: string; env?: NodeJS.ProcessEnv; fetch?: FetchLike } = {}): QueryCall {
  const env = options.env ?? process.env;
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const signers = new Map<string, FetchLike>();
  return async (service, params) => {
    if (!region) throw new Error(`no region for ${service}: pass --region or set AWS_REGION`);
    let signed = signers.get(service);
    if (!signed) {
      signed = createAwsFetch({ service, region, env, ...(options.fetch ? { fetch: options.fetch } : {}) });
      signers.set(service, signed);
    }
    const key = service === 'monitoring' ? 'CLOUDWATCH' : 'SNS';
    const endpoint = env[`AWS_ENDPOINT_URL_${key}`] ?? env.AWS_ENDPOINT_URL ?? `https://${service}.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
    const response = await signed(`${endpoint.replace(/\/+$/, '')}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: new URLSearchParams(params).toString(),
    });
    const text = await response.text();
    if (!response.ok) {
      const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
      throw new AwsQueryError(service, params.Action ?? '?', response.status, code, /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? text.slice(0, 300));
    }
    return text;
  };
}
