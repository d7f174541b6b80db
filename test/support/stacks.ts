/**
 * EdweStacks for the hardening tests, built like `cdk synth` builds them but without
 * bundling: the repository project as it is, with every source the configuration can name, and
 * with API keys, an access policy and an alarm e-mail.
 */
import { EdweStack, type EdweStackProps } from '../../lib/edwe-stack.js';
import { PROJECT_ROOT } from '../../lib/lambda-defaults.js';
import { parseRules } from '../../lambdas/core/index.js';
import { defaultPaths, loadProject } from '../../lambdas/project/load-project.js';
import { testApp, withConfig } from './cdk.js';

export const MSK_CLUSTER_ARN = 'arn:aws:kafka:us-east-1:123456789012:cluster/orders/751d2973-a626-431c-9d4e-d7975eb44dd7-2';

/** Every source the configuration can name: Kinesis, MSK with IAM, self-managed Kafka, a webhook, a named bus; and a sealed field. */
export const ALL_SOURCES = `
event_sources:
  - type: kinesis
    stream_name: user-events
  - type: kafka
    topics: [orders, payments]
    cluster_arn: ${MSK_CLUSTER_ARN}
  - type: kafka
    topics: [clicks]
    bootstrap_servers: [broker-1.example.com:9096]
    secret_arn: arn:aws:secretsmanager:us-east-1:123456789012:secret:edwe/kafka-AbCdEf
  - type: webhook
    endpoints: [/webhooks/github]
  - type: eventbridge
    bus_name: edwe-events
event_sourcing:
  encrypt:
    - event_type: user_registration
      fields: [data.email]
`;

/** Settings of an API-key deployment: one caller by key, one by IAM role, a quota, an alarm e-mail. */
export const API_KEY_SETTINGS: Partial<EdweStackProps> = {
  auth: 'api-key',
  access: {
    callers: [
      { apiKey: 'shop', sources: ['shop.*'] },
      { principal: 'arn:aws:iam::123456789012:role/Crm', sources: ['crm'] },
    ],
  },
  quota: { limit: 100_000, period: 'DAY' },
  alarmEmail: 'ops@example.com',
};

/** Schedule rules (a rules file's text): each gets an EventBridge Scheduler schedule. */
export const SCHEDULE_RULES = `rules:
  - id: nightly-report
    schedule: "cron(0 2 * * ? *)"
    timezone: Europe/Berlin
    workflow: send_confirmation
`;

/** An EdweStack of the repository project, with `config` (the seed configuration's body), `props` and extra `rules` (a rules file's text) if given. */
export function anEdweStack(id: string, props: Partial<EdweStackProps> = {}, config?: string, rules?: string): EdweStack {
  const loaded = loadProject(defaultPaths(PROJECT_ROOT));
  const project = rules === undefined ? loaded : { ...loaded, rules: [...loaded.rules, ...parseRules(rules, 'rules/extra.yaml')] };
  return new EdweStack(testApp(), id, { ...props, project: config === undefined ? project : withConfig(project, config) });
}
