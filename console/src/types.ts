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
