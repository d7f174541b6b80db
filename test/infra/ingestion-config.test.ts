/** How EdweStack reads the engine configuration's event sources: what it refuses, warns about and sizes. */
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { EdweStack } from '../../lib/edwe-stack.js';
import { EngineConfigError } from '../../lib/engine-sources.js';
import { PROJECT_ROOT } from '../../lib/lambda-defaults.js';
import { defaultPaths, loadProject } from '../../lambdas/project/load-project.js';
import { testApp, withConfig } from '../support/cdk.js';

describe('EdweStack with a configuration it cannot deploy', () => {
  const project = loadProject(defaultPaths(PROJECT_ROOT));
  const synth = (yaml: string) => () => new EdweStack(testApp(), 'Invalid', { project: withConfig(project, yaml) });

  it('names the missing secret of a self-managed Kafka source', () => {
    expect(synth('event_sources:\n  - type: kafka\n    topics: [t]\n    bootstrap_servers: [b:9092]')).toThrow(
      new EngineConfigError(['event_sources[0] (kafka).secret_arn: required with bootstrap_servers (a Secrets Manager secret with the SASL/SCRAM credentials)']),
    );
  });

  it('names a cluster ARN that is not one', () => {
    expect(synth('event_sources:\n  - type: kafka\n    topics: [t]\n    cluster_arn: arn:aws:s3:::bucket')).toThrow(
      /event_sources\[0\] \(kafka\)\.cluster_arn: "arn:aws:s3:::bucket" is not an MSK cluster ARN/,
    );
  });

  it('names the shard count a provisioned stream lacks, and one an on-demand stream should not have', () => {
    expect(synth('event_sources:\n  - type: kinesis\n    mode: provisioned')).toThrow(/event_sources\[0\] \(kinesis\)\.shard_count: required with mode: provisioned/);
    expect(synth('event_sources:\n  - type: kinesis\n    shard_count: 2')).toThrow(/event_sources\[0\] \(kinesis\)\.shard_count: only for mode: provisioned/);
  });

  it('names a webhook path that would take over a route of the API', () => {
    expect(synth('event_sources:\n  - type: webhook\n    endpoints: [/rules]')).toThrow(
      /event_sources\[0\] \(webhook\)\.endpoints: "\/rules" is a path of the engine's own API/,
    );
  });
});

describe("EdweStack with the seed's own configuration example", () => {
  const SEED_EXAMPLE = `
event_sources:
  - type: "kafka"
    topics: ["user-events", "system-events"]
  - type: "webhook"
    endpoints: ["/api/events"]
event_sourcing:
  enabled: true
  retention: "30d"
  replay_enabled: true
`;

  it('synthesizes as written: the webhook route is made, the Kafka source without a cluster is left out with a warning', () => {
    const stack = new EdweStack(testApp(), 'Seed', { project: withConfig(loadProject(defaultPaths(PROJECT_ROOT)), SEED_EXAMPLE) });
    const template = Template.fromStack(stack);

    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'api' });
    // The router's stream and flow control's wake-up queue: no Kafka mapping.
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
    Annotations.fromStack(stack).hasWarning('/Seed', Match.stringLikeRegexp('event_sources\\[0\\] \\(kafka\\): no cluster_arn .* topics user-events, system-events'));
  });
});

describe('EdweStack with a provisioned stream', () => {
  it('gives the stream the configured shard count', () => {
    const project = withConfig(loadProject(defaultPaths(PROJECT_ROOT)), 'event_sources:\n  - type: kinesis\n    mode: provisioned\n    shard_count: 4\n    batch_size: 500');
    const template = Template.fromStack(new EdweStack(testApp(), 'Provisioned', { project }));

    template.hasResourceProperties('AWS::Kinesis::Stream', { ShardCount: 4, StreamModeDetails: { StreamMode: 'PROVISIONED' } });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 500, FunctionResponseTypes: ['ReportBatchItemFailures'] });
  });
});
