/** The API's answers as the console reads them (see README.md, HTTP API). */

export interface ApiEvent {
  id: string;
  type: string;
  source: string;
  timestamp: string;
  correlationId?: string;
  data?: unknown;
}

export interface ApiExecution {
  name: string;
  workflowId: string;
  ruleId: string;
  eventId: string;
  correlationId: string;
  status: string;
  startedAt: string;
  stoppedAt?: string;
  output?: unknown;
  error?: { error: string; cause?: string };
  /** The states the embedded runner passed through. */
  states?: Array<{ name: string; enteredAt: string; exitedAt?: string; status?: string }>;
  /** On AWS, the Step Functions execution. */
  executionArn?: string;
}

export interface ApiRule {
  id: string;
  workflow: string;
  priority?: number;
  enabled?: boolean;
  stop?: boolean;
  eventType?: string | string[];
  eventTypes?: string[];
  /** A multi-event trigger's types (then there is no `eventType`). */
  all?: string[];
  conditions?: Array<{ field: string; op?: string; value?: unknown }>;
  pattern?: unknown;
  /** A schedule rule's `cron(…)` or `rate(…)`, and its next fire times (`GET /rules` adds them, embedded). */
  schedule?: string;
  nextFires?: string[];
  /** A managed rule's counter from 1; a files rule's 12-hex digest. */
  version?: number | string;
  managedBy?: 'files' | 'api';
  updatedAt?: string;
  updatedBy?: string;
}

/** One entry of `GET /rules/{id}/history`, oldest first. */
export interface ApiRuleVersion {
  version: number;
  change: 'created' | 'updated' | 'enabled' | 'disabled' | 'deleted';
  rule: Record<string, unknown>;
  changedAt: string;
  changedBy: string;
}

/** `POST /rules/test`: which stored events of the window the candidate rule fires for. */
export interface ApiBacktest {
  scanned: number;
  matched: number;
  workflows: Record<string, number>;
  eventIds: string[];
  truncated?: { lastTimestamp: string; lastId: string };
}

export interface ApiReplay {
  status: string;
  dryRun?: boolean;
  progress?: number;
  scanned?: number;
  matched?: number;
  emitted?: number;
  failed?: number;
  eventIds?: string[];
  failures?: unknown;
}

export interface ApiTimeline {
  correlationId: string;
  events: ApiEvent[];
  executions: ApiExecution[];
  timeline: Array<{ at: string; kind: 'event' | 'execution'; id: string; type?: string; source?: string; workflowId?: string; status?: string }>;
}
