/**
 * The waiter-store port's contract, run against every adapter (SQLite embedded, DynamoDB on
 * dynalite): waiters are found by correlation and exact type, narrowed by their pattern, alive until
 * their end relative to the `nowMs` asked about, and removed idempotently by what the store handed out.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { EngineEvent, WaiterRequest, WaiterStore } from '../../lambdas/core/index.js';

/** An adapter as the contract drives it. */
export interface WaiterStoreUnderTest {
  waiters: WaiterStore;
  close(): Promise<void>;
}

/** A fresh, empty store for each test. */
export type WaiterStoreFactory = () => Promise<WaiterStoreUnderTest>;

const MINUTE = 60_000;

/** Runs the contract against an adapter. */
export function describeWaiterStoreContract(name: string, factory: WaiterStoreFactory): void {
  describe(`${name}: the waiter-store contract`, () => {
    // Times follow the clock the suite runs under, so nothing here depends on the date.
    const NOW = Date.now();
    const iso = (ms: number): string => new Date(ms).toISOString();
    const aWaiter = (token: string, overrides: Partial<WaiterRequest> = {}): WaiterRequest => ({
      token,
      correlationId: 'o-1',
      eventType: 'payment.received',
      expiresAt: iso(NOW + 15 * MINUTE),
      ...overrides,
    });
    let counter = 0;
    const aPayment = (correlationId: string | undefined, data: Record<string, unknown> = {}, type = 'payment.received'): EngineEvent => ({
      id: `pay-${++counter}`,
      type,
      source: 'payments',
      timestamp: iso(NOW),
      data,
      ...(correlationId === undefined ? {} : { correlationId }),
    });

    let current: WaiterStoreUnderTest | undefined;
    const open = async (): Promise<WaiterStore> => {
      current = await factory();
      return current.waiters;
    };
    afterEach(async () => {
      await current?.close();
      current = undefined;
    });
    const tokens = async (waiters: WaiterStore, event: EngineEvent, nowMs = NOW) => (await waiters.matching(event, nowMs)).map((w) => w.token).sort();

    it('finds the live waiters an event satisfies: same correlation, same type, pattern matched', async () => {
      const waiters = await open();
      await waiters.add(aWaiter('plain'));
      await waiters.add(aWaiter('big-only', { pattern: { data: { amount: [{ numeric: ['>=', 100] }] } } }));
      await waiters.add(aWaiter('expired', { expiresAt: iso(NOW - MINUTE) }));
      await waiters.add(aWaiter('longer-type', { eventType: 'payment.received#refund' }));
      await waiters.add(aWaiter('other-type', { eventType: 'payment.refunded' }));
      await waiters.add(aWaiter('other-order', { correlationId: 'o-2' }));

      expect(await tokens(waiters, aPayment('o-1', { amount: 20 }))).toEqual(['plain']);
      expect(await tokens(waiters, aPayment('o-1', { amount: 250 }))).toEqual(['big-only', 'plain']);
      expect(await tokens(waiters, aPayment('o-2', { amount: 1 }))).toEqual(['other-order']);
    });

    it('wakes nobody with an event that has no correlationId', async () => {
      const waiters = await open();
      await waiters.add(aWaiter('plain'));

      expect(await waiters.matching(aPayment(undefined, { amount: 250 }), NOW)).toEqual([]);
    });

    it('answers each waiter with its token and correlation', async () => {
      const waiters = await open();
      await waiters.add(aWaiter('token-1', { correlationId: 'o-9' }));

      expect(await waiters.matching(aPayment('o-9'), NOW)).toEqual([{ token: 'token-1', correlationId: 'o-9', key: expect.any(String) }]);
    });

    it('judges expiry by the nowMs it is asked about', async () => {
      const waiters = await open();
      await waiters.add(aWaiter('ten-minutes', { expiresAt: iso(NOW + 10 * MINUTE) }));
      const payment = aPayment('o-1');

      expect(await tokens(waiters, payment, NOW)).toEqual(['ten-minutes']);
      expect(await tokens(waiters, payment, NOW + 9 * MINUTE)).toEqual(['ten-minutes']);
      expect(await tokens(waiters, payment, NOW + 11 * MINUTE)).toEqual([]);
    });

    it('keeps one waiter for a token added twice (a retried task)', async () => {
      const waiters = await open();
      await waiters.add(aWaiter('retried'));
      await waiters.add(aWaiter('retried'));

      expect(await tokens(waiters, aPayment('o-1'))).toEqual(['retried']);
    });

    it('removes a waiter, as added or as found, and removing it again changes nothing', async () => {
      const waiters = await open();
      const added = await waiters.add(aWaiter('as-added'));
      await waiters.add(aWaiter('as-found'));
      await waiters.add(aWaiter('stays'));
      const payment = aPayment('o-1');
      const found = (await waiters.matching(payment, NOW)).find((w) => w.token === 'as-found');

      await waiters.remove(added);
      await waiters.remove(found!);
      await waiters.remove(added);
      await waiters.remove(found!);

      expect(await tokens(waiters, payment)).toEqual(['stays']);
    });
  });
}
