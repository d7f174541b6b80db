import { GroupCommit } from '../../lambdas/embedded/group-commit.js';
import { openDatabase } from '../../lambdas/embedded/sqlite-database.js';
import { SqliteWaiterStore } from '../../lambdas/embedded/sqlite-waiter-store.js';
import { describeWaiterStoreContract } from './waiter-store.contract.js';

describeWaiterStoreContract('SqliteWaiterStore (in memory)', async () => {
  const db = openDatabase(':memory:');
  return { waiters: new SqliteWaiterStore(db, new GroupCommit(db)), close: async () => void db.close() };
});
