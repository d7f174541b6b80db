import { GroupCommit } from '../../lambdas/embedded/group-commit.js';
import { openDatabase } from '../../lambdas/embedded/sqlite-database.js';
import { SqliteJoinStore } from '../../lambdas/embedded/sqlite-join-store.js';
import { describeJoinStoreContract } from './join-store.contract.js';

describeJoinStoreContract('SqliteJoinStore (in memory)', async () => {
  const db = openDatabase(':memory:');
  return { joins: new SqliteJoinStore(db, new GroupCommit(db)), close: async () => void db.close() };
});
