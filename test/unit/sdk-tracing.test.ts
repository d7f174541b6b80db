import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { taskServicesFromEnvironment } from '../../lambdas/aws/task-services.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Code that runs in Lambda and makes SDK clients, subfolders included (the CLI's `dlq-cli.ts` runs on an operator's machine). */
const LAMBDA_CODE = ['lambdas/handlers', 'lambdas/aws'].flatMap((dir) =>
  readdirSync(`${ROOT}${dir}`, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts') && !name.endsWith('dlq-cli.ts'))
    .map((name) => `${dir}/${name}`),
);

describe('X-Ray tracing of the AWS SDK clients', () => {
  it('wraps every client a function makes with the Powertools Tracer', () => {
    const untraced = LAMBDA_CODE.flatMap((file) =>
      readFileSync(`${ROOT}${file}`, 'utf8')
        .split('\n')
        .filter((line) => /new [A-Z][A-Za-z]*Client\(/.test(line) && !/captureAWSv3Client\(new |capture\(new |@example/.test(line))
        .map((line) => `${file}: ${line.trim()}`),
    );

    expect(untraced).toEqual([]);
  });

  it("hands the built-in tasks' DynamoDB and Step Functions clients to the tracer", () => {
    const captured: unknown[] = [];

    taskServicesFromEnvironment({ EVENTS_TABLE: 'events', STATE_TABLE: 'state', AWS_REGION: 'us-east-1' }, (client) => {
      captured.push(client);
      return client;
    });

    expect(captured).toEqual([expect.any(DynamoDBClient), expect.any(SFNClient)]);
  });
});
