import { GroupCommit } from '../../lambdas/embedded/group-commit.js';
import { openDatabase } from '../../lambdas/embedded/sqlite-database.js';
import { SqliteRuleStore } from '../../lambdas/embedded/sqlite-rule-store.js';
import { describeRuleStoreContract } from './rule-store.contract.js';

// As the engine runs it: writes share the group commit's transactions, each in a savepoint of its own.
describeRuleStoreContract('SqliteRuleStore (in memory, group commit)', async () => {
  const db = openDatabase(':memory:');
  return { store: new SqliteRuleStore(db, { writes: new GroupCommit(db) }), close: async () => void db.close() };
});

describeRuleStoreContract('SqliteRuleStore (in memory, a transaction per write)', async () => {
  const db = openDatabase(':memory:');
  return { store: new SqliteRuleStore(db), close: async () => void db.close() };
});
