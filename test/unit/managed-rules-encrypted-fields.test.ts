import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lib/lambda-defaults.js';
import { encryptRulesFromEnv } from '../../lambdas/aws/wiring/field-encryption.js';
import { InvalidRuleError, RuleCatalog, type EncryptRule } from '../../lambdas/core/index.js';
import { EmbeddedEngine } from '../../lambdas/embedded/embedded-engine.js';
import { createLogger } from '../../lambdas/embedded/logger.js';
import { openDatabase } from '../../lambdas/embedded/sqlite-database.js';
import { SqliteRuleStore } from '../../lambdas/embedded/sqlite-rule-store.js';
import { defaultPaths, loadProject } from '../../lambdas/project/load-project.js';

const ENCRYPT: EncryptRule[] = [
  { eventType: 'payment.made', fields: ['data.card'] },
  { eventType: 'user_registration', fields: ['data.email'] },
];
const WORKFLOWS = new Set(['billing', 'onboarding_workflow']);

/** The error a rejected promise holds. */
const refusal = async (promise: Promise<unknown>): Promise<InvalidRuleError> => {
  try {
    await promise;
  } catch (error) {
    return error as InvalidRuleError;
  }
  throw new Error('expected the promise to be rejected');
};

async function aCatalog() {
  const store = new SqliteRuleStore(openDatabase(':memory:'));
  const catalog = await RuleCatalog.open({ store, files: [], workflows: WORKFLOWS, encrypt: ENCRYPT, audit: async () => undefined, clock: { now: Date.now } });
  return { store, catalog };
}

describe('managed rules and encrypted fields (RuleCatalog, both homes)', () => {
  it.each([
    [
      'a condition other than exists',
      {
        eventType: 'payment.made',
        workflow: 'billing',
        conditions: [
          { field: 'amount', op: 'gt', value: 0 },
          { field: 'card', value: '4111' },
        ],
      },
      [
        {
          path: 'conditions[1]',
          message: expect.stringContaining('"data.card" of payment.made is encrypted (event_sourcing.encrypt); a condition on it can only be "exists", not "equals"'),
        },
      ],
    ],
    [
      'a pattern value, inside $or',
      { eventType: 'payment.made', workflow: 'billing', pattern: { $or: [{ data: { amount: [{ numeric: ['>', 0] }] } }, { data: { card: [{ prefix: '4' }] } }] } },
      [{ path: 'pattern.$or[1].data.card', message: expect.stringContaining('"data.card" of payment.made is encrypted') }],
    ],
    [
      'the correlateBy path, on a rule for every type',
      { eventType: '*', workflow: 'onboarding_workflow', correlateBy: 'data.email' },
      [
        {
          path: 'correlateBy',
          message: expect.stringContaining('"data.email" of user_registration is encrypted (event_sourcing.encrypt); it cannot be the correlateBy path'),
        },
      ],
    ],
  ])('refuses %s with 400 naming the JSON path and the field, and stores nothing', async (_case, rule, details) => {
    const { store, catalog } = await aCatalog();

    const error = await refusal(catalog.put('reads-sealed', rule, { by: 'alice' }));

    expect(error).toBeInstanceOf(InvalidRuleError);
    expect(error.details).toEqual(details);
    expect(await store.revision()).toBe(0);
    expect(catalog.ruleSet.rules).toEqual([]);
  });

  it('accepts "exists" on an encrypted field, and any test of the same field on a type that does not encrypt it', async () => {
    const { catalog } = await aCatalog();

    await catalog.put('has-card', { eventType: 'payment.made', workflow: 'billing', conditions: [{ field: 'card', op: 'exists', value: true }] }, { by: 'alice' });
    await catalog.put('refund-card', { eventType: 'refund.made', workflow: 'billing', conditions: [{ field: 'card', value: '4111' }] }, { by: 'alice' });

    expect(catalog.ruleSet.rules.map((r) => r.id).sort()).toEqual(['has-card', 'refund-card']);
  });
});

describe('managed rules and encrypted fields in each home', () => {
  let engine: EmbeddedEngine | undefined;
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
  });

  it('embedded: the engine checks a PUT against its encrypt entries', async () => {
    const project = loadProject(defaultPaths(PROJECT_ROOT));
    engine = await EmbeddedEngine.open({ project, dbPath: ':memory:', encrypt: ENCRYPT, logger: createLogger({ write: () => undefined }) });

    const error = await refusal(
      engine.rules.put(
        'email-suffix',
        { eventType: 'user_registration', workflow: 'onboarding_workflow', conditions: [{ field: 'email', op: 'suffix', value: '.org' }] },
        { by: 'ops' },
      ),
    );

    expect(error.details).toEqual([{ path: 'conditions[0]', message: expect.stringContaining('"data.email" of user_registration is encrypted') }]);
  });

  it('AWS: the rules API function reads the encrypt entries the stack gives it (FIELD_ENCRYPTION), and none without it', () => {
    expect(encryptRulesFromEnv({ FIELD_ENCRYPTION: JSON.stringify(ENCRYPT) })).toEqual(ENCRYPT);
    expect(encryptRulesFromEnv({})).toEqual([]);
  });
});
