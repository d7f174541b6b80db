/**
 * Mappings from the shapes other systems send to the engine's event input, before validation:
 * CloudEvents 1.0 (structured JSON), EventBridge events as a rule delivers them, and
 * EventBridge `PutEvents` entries. Each returns a plain input for `normaliseEvent`.
 */
import { ValidationError } from './errors.js';
import { MAX_NESTING_DEPTH, pruneDeepJson, structureProblem } from './json-limits.js';

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Whether a JSON value is a CloudEvent in structured mode (it names its spec version). */
export const isCloudEvent = (value: unknown): value is Record<string, unknown> => isObject(value) && 'specversion' in value;

/**
 * CloudEvents 1.0 → event input: `id`, `source`, `type`, `time` → timestamp, `data` → data
 * (a non-object `data` is kept as `{ value }`), the `correlationid` extension → correlationId.
 * Other extension attributes are not part of the envelope and are left out.
 */
export function fromCloudEvent(cloudEvent: Record<string, unknown>): Record<string, unknown> {
  if (cloudEvent.specversion !== '1.0') {
    throw new ValidationError(`Unsupported CloudEvents specversion ${JSON.stringify(cloudEvent.specversion)}; expected "1.0"`, [
      { path: 'specversion', message: 'must be "1.0"' },
    ]);
  }
  // Extensions are dropped, but a forbidden one (`__proto__`) or a too-deep `data` is refused, not silently lost.
  const problem = structureProblem(cloudEvent, MAX_NESTING_DEPTH);
  if (problem !== undefined) throw new ValidationError(`Invalid CloudEvent: ${problem.path}: ${problem.message}`, [problem]);
  if ('data_base64' in cloudEvent) {
    throw new ValidationError('CloudEvents data_base64 is not supported; send JSON data', [{ path: 'data_base64', message: 'not supported' }]);
  }
  const input: Record<string, unknown> = { type: cloudEvent.type, source: cloudEvent.source };
  if (cloudEvent.id !== undefined) input.id = cloudEvent.id;
  if (cloudEvent.time !== undefined) input.timestamp = cloudEvent.time;
  if (cloudEvent.data !== undefined && cloudEvent.data !== null) input.data = isObject(cloudEvent.data) ? cloudEvent.data : { value: cloudEvent.data };
  if (cloudEvent.correlationid !== undefined) input.correlationId = cloudEvent.correlationid;
  return input;
}

/** An EventBridge event as a rule delivers it to a target. */
export interface EventBridgeDelivery {
  id?: unknown;
  'detail-type'?: unknown;
  source?: unknown;
  time?: unknown;
  detail?: unknown;
}

/** EventBridge delivery → event input: `detail-type` → type, `detail` → data, `time` → timestamp. */
export function fromEventBridgeEvent(event: EventBridgeDelivery): Record<string, unknown> {
  const input: Record<string, unknown> = { type: event['detail-type'], source: event.source, data: event.detail ?? {} };
  if (event.id !== undefined) input.id = event.id;
  if (event.time !== undefined) input.timestamp = event.time;
  const correlationId = isObject(event.detail) ? event.detail.correlationId : undefined;
  if (typeof correlationId === 'string') input.correlationId = correlationId;
  return input;
}

/** One `PutEvents` request entry (the JSON wire form: `Detail` is a JSON string, `Time` epoch seconds or ISO). */
export interface PutEventsEntry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  Time?: unknown;
}

/** `PutEvents` entry → event input. @throws ValidationError when `Detail` is not a JSON object string. */
export function fromPutEventsEntry(entry: PutEventsEntry): Record<string, unknown> {
  if (!isObject(entry)) throw new ValidationError('A PutEvents entry must be a JSON object', [{ path: '(entry)', message: 'must be an object' }]);
  let data: unknown = {};
  if (entry.Detail !== undefined) {
    if (typeof entry.Detail !== 'string') throw new ValidationError('Detail must be a JSON string', [{ path: 'Detail', message: 'must be a string' }]);
    try {
      // Detail holds the event's data: one level below the event, so one level less of nesting.
      data = JSON.parse(pruneDeepJson(entry.Detail, MAX_NESTING_DEPTH));
    } catch {
      throw new ValidationError('Detail is not valid JSON', [{ path: 'Detail', message: 'not valid JSON' }]);
    }
  }
  const input: Record<string, unknown> = { type: entry.DetailType, source: entry.Source, data };
  if (typeof entry.Time === 'number') input.timestamp = epochSecondsToIso(entry.Time);
  else if (entry.Time !== undefined) input.timestamp = entry.Time;
  const correlationId = isObject(data) ? data.correlationId : undefined;
  if (typeof correlationId === 'string') input.correlationId = correlationId;
  return input;
}

/** PutEvents' `Time` in epoch seconds as ISO text. @throws ValidationError outside the years 0000–9999. */
function epochSecondsToIso(seconds: number): string {
  const ms = seconds * 1000;
  // 0000-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z: what a stored (4-digit-year) timestamp can name.
  if (!Number.isFinite(ms) || ms < -62_167_219_200_000 || ms > 253_402_300_799_999) {
    throw new ValidationError(`Time ${seconds} is outside the years 0000 to 9999`, [{ path: 'Time', message: 'must be epoch seconds within the years 0000 to 9999' }]);
  }
  return new Date(ms).toISOString();
}
