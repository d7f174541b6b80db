import { GroupCommit } from '../../lambdas/embedded/group-commit.js';
import { openDatabase } from '../../lambdas/embedded/sqlite-database.js';
import { SqliteFlowStateStore } from '../../lambdas/embedded/sqlite-flow-state-store.js';
import { describeFlowStateStoreContract } from './flow-state-store.contract.js';

describeFlowStateStoreContract('SqliteFlowStateStore (in memory)', async () => {
  const db = openDatabase(':memory:');
  return { store: new SqliteFlowStateStore(db, new GroupCommit(db)), close: async () => void db.close() };
});
