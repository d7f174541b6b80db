import { Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, ServerlessChecks, type NagPack } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import type { EdweStack } from '../../lib/edwe-stack.js';
import { testApp } from '../support/cdk.js';
import { ALL_SOURCES, anEdweStack, API_KEY_SETTINGS, SCHEDULE_RULES } from '../support/stacks.js';

/** A pack's findings that no acknowledgement covers, by severity, as `rule at path: why` lines. */
function findings(pack: NagPack, stack: Stack): Record<'error' | 'warning', string[]> {
  const found: Record<'error' | 'warning', string[]> = { error: [], warning: [] };
  for (const v of pack.validateScope(stack).violations) {
    found[v.severity === 'error' ? 'error' : 'warning'].push(...v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}: ${v.description}`));
  }
  return found;
}

const packs = (stack: Stack): NagPack[] => [new AwsSolutionsChecks(stack.node.root), new ServerlessChecks(stack.node.root)];

const aStack = anEdweStack;

describe('cdk-nag (AwsSolutions and Serverless packs) on the full EdweStack', () => {
  const variants: Array<[string, () => EdweStack]> = [
    ['the repository project, IAM', () => aStack('Nagged')],
    ['every source the configuration can name, and a schedule rule', () => aStack('NaggedSources', {}, ALL_SOURCES, SCHEDULE_RULES)],
    ['API keys with a usage plan, an access policy and an alarm e-mail', () => aStack('NaggedKeys', API_KEY_SETTINGS, ALL_SOURCES)],
  ];

  for (const [name, build] of variants) {
    it(`finds no unacknowledged error or warning: ${name}`, () => {
      const stack = build();

      for (const pack of packs(stack)) expect(findings(pack, stack)).toEqual({ error: [], warning: [] });
    });
  }

  it('lets `cdk synth` run with both packs registered the cdk-nag 3 way (Validations.of(app).addPlugins)', () => {
    const stack = aStack('NaggedSynth');
    const app = stack.node.root as ReturnType<typeof testApp>;
    Validations.of(app).addPlugins(...packs(stack));

    expect(() => app.synth()).not.toThrow();
  });

  it('is not vacuous: with bundling skipped, the packs still find what is wrong with a bare queue', () => {
    const stack = new Stack(testApp(), 'Bare');
    new sqs.Queue(stack, 'Queue');

    const errors = packs(stack).flatMap((pack) => findings(pack, stack).error);
    expect(errors).toEqual(
      expect.arrayContaining([expect.stringMatching(/^AwsSolutions-SQS4 at Bare\/Queue/), expect.stringMatching(/^Serverless-SQSRedrivePolicy at Bare\/Queue/)]),
    );
  });

  it('gives every acknowledgement a reason', () => {
    const stack = aStack('NaggedReasons', {}, ALL_SOURCES);
    const acknowledged = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));

    expect(acknowledged.length).toBeGreaterThan(0);
    for (const [id, reason] of acknowledged) expect(reason.length, id).toBeGreaterThan(40);
  });
});
