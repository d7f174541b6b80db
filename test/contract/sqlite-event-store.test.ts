import { openDatabase } from '../../lambdas/embedded/sqlite-database.js';
import { SqliteEventStore } from '../../lambdas/embedded/sqlite-event-store.js';
import { describeEventStoreContract } from './event-store.contract.js';

// The embedded store answers synchronously; the port is asynchronous, so the contract sees it through promises.
describeEventStoreContract('SqliteEventStore (in memory)', async ({ retentionDays, now }) => {
  const db = openDatabase(':memory:');
  const store = new SqliteEventStore(db, { retentionDays, now });
  const expiresAt = db.prepare<[string], { expires_at: number }>('SELECT expires_at FROM events WHERE id = ?');
  return {
    store: {
      put: (event) => store.put(event),
      get: (id) => store.get(id),
      query: async (query) => store.query(query),
      async *range(from, to) {
        yield* store.range(from, to);
      },
    },
    expiresAtOf: async (id) => expiresAt.get(id)?.expires_at,
    close: async () => {
      db.close();
    },
  };
});
