/**
 * The join-store port's contract, run against every adapter (SQLite embedded, DynamoDB on dynalite):
 * a multi-event rule fires once per correlation, when the latest event of each of its types has
 * arrived within its window; an older event never displaces a newer one of its type.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { compileRules, executionName, parseRules, type EngineEvent, type JoinStore, type Rule, type Trigger } from '../../lambdas/core/index.js';

/** An adapter as the contract drives it. */
export interface JoinStoreUnderTest {
  joins: JoinStore;
  close(): Promise<void>;
}

/** A fresh, empty store for each test, on the clock given. */
export type JoinStoreFactory = (options: { now: () => number }) => Promise<JoinStoreUnderTest>;

const MINUTE = 60_000;

const [shipWhenReady] = compileRules(
  parseRules('rules:\n  - id: ship-when-ready\n    all: [payment.received, stock.reserved]\n    within: 15m\n    workflow: send_confirmation\n', 'join.yaml'),
).rules as Rule[];
const JOIN = shipWhenReady as Rule;
const SINGLE = compileRules(parseRules('rules:\n  - id: on-payment\n    eventType: payment.received\n    workflow: send_confirmation\n', 'single.yaml')).rules[0] as Rule;

/** Runs the contract against an adapter. */
export function describeJoinStoreContract(name: string, factory: JoinStoreFactory): void {
  describe(`${name}: the join-store contract`, () => {
    // Times follow the clock the suite runs under, so nothing here depends on the date.
    const BASE = Date.now() - 60 * MINUTE;
    /** An event `minute` minutes after BASE. */
    const anEvent = (id: string, type: string, correlationId: string | undefined, minute: number): EngineEvent => ({
      id,
      type,
      source: 'join-test',
      timestamp: new Date(BASE + minute * MINUTE).toISOString(),
      data: {},
      ...(correlationId ? { correlationId } : {}),
    });

    let current: JoinStoreUnderTest | undefined;
    const open = async (): Promise<JoinStore> => {
      current = await factory({ now: () => BASE + 60 * MINUTE });
      return current.joins;
    };
    afterEach(async () => {
      await current?.close();
      current = undefined;
    });

    it('answers nothing until every type has arrived, then the one trigger named by rule and correlation', async () => {
      const joins = await open();
      const payment = anEvent('p-1', 'payment.received', 'o-1', 0);
      const stock = anEvent('s-1', 'stock.reserved', 'o-1', 5);

      expect(await joins.offer(JOIN, payment)).toBeUndefined();
      const trigger = await joins.offer(JOIN, stock);

      expect(trigger).toEqual({
        workflowId: 'send_confirmation',
        ruleId: 'ship-when-ready',
        executionName: executionName('ship-when-ready', 'join\u0000o-1'),
        input: { event: stock, events: [payment, stock], rule: { id: 'ship-when-ready', priority: 0 }, correlationId: 'o-1' },
      });
    });

    it('fires once per correlation: whatever arrives later names the same execution, if anything', async () => {
      const joins = await open();
      const offered = [
        anEvent('p-1', 'payment.received', 'o-once', 0),
        anEvent('s-1', 'stock.reserved', 'o-once', 2),
        anEvent('s-1', 'stock.reserved', 'o-once', 2),
        anEvent('p-2', 'payment.received', 'o-once', 4),
        anEvent('s-2', 'stock.reserved', 'o-once', 6),
      ];

      const triggers: Array<Trigger | undefined> = [];
      for (const event of offered) triggers.push(await joins.offer(JOIN, event));

      expect(triggers[0]).toBeUndefined();
      expect(new Set(triggers.flatMap((t) => t?.executionName ?? []))).toEqual(new Set([executionName('ship-when-ready', 'join\u0000o-once')]));
    });

    it('keeps the latest event of each type: an older one delivered late displaces nothing', async () => {
      const joins = await open();
      const newer = anEvent('p-2', 'payment.received', 'o-2', 7);
      await joins.offer(JOIN, newer);
      await joins.offer(JOIN, anEvent('p-1', 'payment.received', 'o-2', 0));
      const stock = anEvent('s-1', 'stock.reserved', 'o-2', 20);

      // 13 minutes after the newer payment: within the window; the older one would be 20 minutes away.
      expect((await joins.offer(JOIN, stock))?.input.events).toEqual([newer, stock]);
    });

    it('does not complete a join whose events are further apart than the window, until a fresh one closes it', async () => {
      const joins = await open();
      await joins.offer(JOIN, anEvent('p-old', 'payment.received', 'o-4', 0));

      expect(await joins.offer(JOIN, anEvent('s-late', 'stock.reserved', 'o-4', 20))).toBeUndefined();
      const closing = anEvent('p-new', 'payment.received', 'o-4', 25);
      expect((await joins.offer(JOIN, closing))?.input.events?.map((e) => e.id)).toEqual(['p-new', 's-late']);
    });

    it('keeps correlations apart, and ignores an event without a correlationId', async () => {
      const joins = await open();

      expect(await joins.offer(JOIN, anEvent('p-a', 'payment.received', 'o-a', 0))).toBeUndefined();
      expect(await joins.offer(JOIN, anEvent('s-b', 'stock.reserved', 'o-b', 1))).toBeUndefined();
      expect(await joins.offer(JOIN, anEvent('p-none', 'payment.received', undefined, 2))).toBeUndefined();
      expect(await joins.offer(JOIN, anEvent('s-none', 'stock.reserved', undefined, 3))).toBeUndefined();
    });

    it('answers nothing for a rule that is not a join', async () => {
      const joins = await open();

      expect(await joins.offer(SINGLE, anEvent('p-1', 'payment.received', 'o-5', 0))).toBeUndefined();
    });
  });
}
