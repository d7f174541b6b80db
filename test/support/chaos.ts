/**
 * The chaos run: `edwe dev` on one database file under mixed load — event batches, order flows
 * that wait for their payment and emit a confirmation, replays — SIGKILLed at random moments and
 * restarted. Then every order is paid, the engine settles, and the invariants are counted from the
 * database file: acknowledged events lost, executions doubled per (event, rule), emitted events
 * doubled, replays and waits left unfinished.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { peakRssMb, startEngine, type EngineProcess } from './engine-process.js';

export interface ChaosOptions {
  kills: number;
  /** Random source in [0, 1): a test may pin it. */
  random?: () => number;
  /** Longest load before a kill, ms. */
  maxRunMs?: number;
  log?: (line: string) => void;
}

/** What the run found: every count after "kills" should be zero. */
export interface ChaosFigures {
  kills: number;
  acknowledged: number;
  orders: number;
  replays: number;
  eventsLost: number;
  doubledExecutions: number;
  doubledEmits: number;
  missingExecutions: number;
  unfinishedExecutions: number;
  unfinishedReplays: number;
  unconfirmedOrders: number;
  /** The largest peak resident set (VmHWM) of any engine process of the run, read just before each kill, MB. */
  peakRssMb: number;
}

const BATCH = 40;

export async function runChaos(options: ChaosOptions): Promise<ChaosFigures> {
  const random = options.random ?? Math.random;
  const log = options.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'edwe-chaos-'));
  const db = join(dir, 'events.db');
  const acked = new Set<string>();
  const premium = new Set<string>();
  const orders = new Set<string>();
  /** Every order posted, acknowledged or not: a kill can lose the answer of an order it let the store commit. */
  const posted = new Set<string>();
  let replays = 0;
  let seq = 0;
  let peakRss = 0;
  try {
    for (let round = 1; round <= options.kills; round++) {
      const engine = await startEngine(['--db', db, '--log-level', 'error']);
      let running = true;
      // How the engine answered this round, for the log: a round with nothing acknowledged says why.
      const tally: Record<string, number> = {};
      const count1 = (status: string) => (tally[status] = (tally[status] ?? 0) + 1);
      const post = (path: string, body: unknown) =>
        engine.post(path, body).then(
          (answer) => (count1(String(answer.status)), answer),
          (error: unknown) => {
            count1('no answer');
            throw error;
          },
        );
      const load = async (work: () => Promise<void>) => {
        while (running) await work().catch(() => undefined);
      };
      const batches = load(async () => {
        const entries = Array.from({ length: BATCH }, () => {
          const id = `ev-${++seq}`;
          const tier = seq % 2 === 0 ? 'premium' : 'standard';
          return { id, type: 'user_registration', source: 'chaos', data: { userId: id, email: `${id}@example.com`, user_type: tier } };
        });
        const answer = await post('/events', entries);
        if (answer.status !== 200) return;
        answer.body.results.forEach((result: { id?: string; error?: unknown }, i: number) => {
          const entry = entries[i];
          if (result.error === undefined && entry !== undefined) {
            acked.add(entry.id);
            if (entry.data.user_type === 'premium') premium.add(entry.id);
          }
        });
      });
      // The shape that once doubled confirmations: many orders waiting, then their payments in one batch.
      const storm = (async () => {
        const ids = Array.from({ length: 60 }, () => `o-${round}-${++seq}`);
        for (const id of ids) posted.add(id);
        const placed = await post(
          '/events',
          ids.map((orderId) => order(orderId)),
        ).catch(() => undefined);
        placed?.body?.results?.forEach((result: { error?: unknown }, i: number) => {
          if (result.error === undefined) {
            acked.add(ids[i] as string);
            orders.add(ids[i] as string);
          }
        });
        await new Promise((r) => setTimeout(r, 100 + random() * 200));
        const paid = await post('/events', ids.map(payment)).catch(() => undefined);
        paid?.body?.results?.forEach((result: { error?: unknown }, i: number) => {
          if (result.error === undefined) acked.add(`pay-${ids[i]}`);
        });
      })();
      const flows = Array.from({ length: 3 }, () =>
        load(async () => {
          const orderId = `o-${round}-${++seq}`;
          posted.add(orderId);
          const placed = await post('/events', order(orderId));
          if (placed.status !== 202) return;
          acked.add(orderId);
          orders.add(orderId);
          await new Promise((r) => setTimeout(r, random() * 50));
          const paid = await post('/events', payment(orderId));
          if (paid.status === 202) acked.add(`pay-${orderId}`);
        }),
      );
      const replay = (async () => {
        await new Promise((r) => setTimeout(r, random() * 100));
        const now = Date.now();
        const started = await post('/replays', {
          workflowId: 'onboarding_workflow',
          startTime: new Date(now - 3_600_000).toISOString(),
          endTime: new Date(now).toISOString(),
        }).catch(() => undefined);
        if (started?.status === 202) replays++;
      })();
      const runMs = 200 + random() * ((options.maxRunMs ?? 1000) - 200);
      await new Promise((r) => setTimeout(r, runMs));
      peakRss = Math.max(peakRss, peakRssMb(engine.child.pid));
      await engine.stop('SIGKILL');
      running = false;
      await Promise.allSettled([batches, storm, ...flows, replay]);
      log(`kill ${round}/${options.kills} after ${Math.round(runMs)} ms: ${acked.size} acknowledged so far; answers ${JSON.stringify(tally)}`);
    }

    // The last start: pay every order posted whose payment was never acknowledged, and let everything finish. Posted,
    // not only acknowledged: an order the store committed just before a kill starts its workflow after the restart,
    // and that workflow waits for its payment as any other does (paying an order that was never stored is harmless).
    const engine = await startEngine(['--db', db, '--log-level', 'error']);
    let stderr = '';
    engine.child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const unpaid = [...posted].filter((orderId) => !acked.has(`pay-${orderId}`));
      for (let i = 0; i < unpaid.length; i += BATCH) {
        const payments = unpaid.slice(i, i + BATCH).map(payment);
        // Once more on a reset connection (a kept-alive socket closed as the request went out): payments carry their ids.
        const answer = await engine.post('/events', payments).catch(() => engine.post('/events', payments));
        if (answer.status !== 200) throw new Error(`paying the unpaid orders answered ${answer.status}`);
      }
      log('settling');
      await settle(engine, db);
      log('settled');
      peakRss = Math.max(peakRss, peakRssMb(engine.child.pid));
      return { kills: options.kills, acknowledged: acked.size, orders: orders.size, replays, peakRssMb: peakRss, ...count(db, acked, premium, orders) };
    } catch (error) {
      // Say what became of the engine: a failed request alone does not tell a crash from a refusal.
      const { exitCode, signalCode } = engine.child;
      const errors = engine.logs.filter((line) => line.level === 'ERROR' || line.level === 'error').slice(-5);
      throw new Error(
        `the final run failed (engine exit ${exitCode ?? 'none'}, signal ${signalCode ?? 'none'}): ${String(error)}\nlast error logs: ${JSON.stringify(errors)}\nstderr: ${stderr.slice(-2000)}`,
        { cause: error },
      );
    } finally {
      await engine.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const order = (orderId: string) => ({
  id: orderId,
  type: 'order.placed',
  source: 'chaos',
  data: { orderId, customerEmail: 'c@example.com', items: [{ sku: 'tea', quantity: 1 }] },
});
const payment = (orderId: string) => ({ id: `pay-${orderId}`, type: 'payment.received', source: 'chaos', correlationId: orderId, data: { orderId, amount: 10 } });

/**
 * Waits until nothing is unrouted, running or replaying for half a second (or 60 s pass: then the
 * counts say what is left). Quiet once is not enough: a replay is `completed` when its last entry is
 * emitted, and the execution that entry starts is recorded a moment later.
 */
async function settle(engine: EngineProcess, path: string): Promise<void> {
  const db = new Database(path, { readonly: true });
  try {
    const deadline = Date.now() + 60_000;
    let quietSince: number | undefined;
    for (;;) {
      const busy = db
        .prepare<[], { n: number }>(
          `SELECT (SELECT count(*) FROM events WHERE routed_at IS NULL) + (SELECT count(*) FROM executions WHERE status = 'RUNNING') + (SELECT count(*) FROM jobs WHERE status = 'running') AS n`,
        )
        .get() as { n: number };
      quietSince = busy.n === 0 ? (quietSince ?? Date.now()) : undefined;
      if ((quietSince !== undefined && Date.now() - quietSince >= 500) || Date.now() > deadline) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    db.close();
    void engine;
  }
}

function count(
  path: string,
  acked: Set<string>,
  premium: Set<string>,
  orders: Set<string>,
): Omit<ChaosFigures, 'kills' | 'acknowledged' | 'orders' | 'replays' | 'peakRssMb'> {
  const db = new Database(path, { readonly: true });
  try {
    const stored = new Set(
      db
        .prepare<[], { id: string }>('SELECT id FROM events')
        .all()
        .map((r) => r.id),
    );
    const one = (sql: string) => (db.prepare<[], { n: number }>(sql).get() as { n: number }).n;
    const live = `json_extract(input, '$.replay') IS NULL`;
    const started = new Set(
      db
        .prepare<[], { event_id: string }>(`SELECT event_id FROM executions WHERE ${live}`)
        .all()
        .map((r) => r.event_id),
    );
    // Orders stored without an acknowledgement count too: their workflows run like any other.
    const placed = new Set([
      ...orders,
      ...db
        .prepare<[], { id: string }>(`SELECT id FROM events WHERE type = 'order.placed'`)
        .all()
        .map((r) => r.id),
    ]);
    const confirmed = new Set(
      db
        .prepare<[], { correlation_id: string }>(`SELECT correlation_id FROM events WHERE type = 'order.confirmed'`)
        .all()
        .map((r) => r.correlation_id),
    );
    return {
      eventsLost: [...acked].filter((id) => !stored.has(id)).length,
      doubledExecutions: one(`SELECT count(*) AS n FROM (SELECT 1 FROM executions WHERE ${live} GROUP BY event_id, rule_id HAVING count(*) > 1)`),
      doubledEmits: one(`SELECT count(*) AS n FROM (SELECT 1 FROM events WHERE type IN ('order.confirmed', 'order.cancelled') GROUP BY correlation_id HAVING count(*) > 1)`),
      missingExecutions: [...premium, ...orders].filter((id) => !started.has(id)).length,
      unfinishedExecutions: one(`SELECT count(*) AS n FROM executions WHERE status = 'RUNNING'`),
      unfinishedReplays: one(`SELECT count(*) AS n FROM jobs WHERE kind = 'replay' AND status NOT IN ('completed')`),
      unconfirmedOrders: [...placed].filter((id) => !confirmed.has(id)).length,
    };
  } finally {
    db.close();
  }
}
