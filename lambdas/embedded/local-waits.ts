/**
 * `wait-for-event` in the embedded engine: waiters persisted in SQLite, completed through task tokens
 * when a matching event is routed — or at once, when the look-back finds one already stored.
 */
import { compilePattern, MAX_QUERY_LIMIT, type EngineEvent, type WaiterRequest } from '../core/index.js';
import type { GroupCommit } from './group-commit.js';
import type { Logger } from './logger.js';
import type { SqliteEventStore } from './sqlite-event-store.js';
import type { SqliteWaiterStore } from './sqlite-waiter-store.js';
import type { TaskTokens } from './task-tokens.js';

export class LocalWaits {
  constructor(
    private readonly waiters: SqliteWaiterStore,
    private readonly tokens: TaskTokens,
    private readonly events: SqliteEventStore,
    private readonly writes: GroupCommit,
    private readonly logger: Logger,
  ) {}

  /** Registers first, then looks back: an event routed in between is seen by one or the other. */
  async register(request: WaiterRequest): Promise<void> {
    await this.writes.submit(() => this.waiters.add(request));
    const pattern = request.pattern ? compilePattern(request.pattern) : undefined;
    const { events } = this.events.querySync({ correlationId: request.correlationId, type: request.eventType, limit: MAX_QUERY_LIMIT });
    const earlier = events.find((event) => pattern === undefined || pattern.matches(event));
    if (earlier) this.complete(request.token, earlier);
  }

  /** Completes every live waiter this routed event satisfies. */
  onRouted(event: EngineEvent, nowIso: string): void {
    for (const token of this.waiters.matching(event, nowIso)) this.complete(token, event);
  }

  /** An execution ended: its waiters are gone. */
  onExecutionEnded(executionName: string): void {
    this.waiters.removeForExecution(executionName);
  }

  private complete(token: string, event: EngineEvent): void {
    this.waiters.remove(token);
    if (this.tokens.succeed(token, event)) this.logger.info('waiter completed', { token, eventId: event.id, correlationId: event.correlationId });
  }
}
