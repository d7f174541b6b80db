/**
 * Field-level encryption of sensitive event data (`event_sourcing.encrypt`): the configured fields
 * of an event type are sealed with AES-256-GCM under a data key before the event is stored, and
 * revealed only where plaintext is needed — a workflow's input at hand-off, a reader allowed to see
 * it. A sealed field is one string: `edwe:enc:v1:<key reference>:<iv>:<ciphertext+tag>` (base64url).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SEALED_PREFIX, type EngineEvent } from './envelope.js';
import { ValidationError } from './errors.js';
import type { WorkflowInput } from './execution.js';
import type { DataKeys } from './ports/data-keys.js';

/** One `event_sourcing.encrypt` entry: the fields (paths under `data.`) sealed in events of a type. */
export interface EncryptRule {
  eventType: string;
  /** Dotted paths, each starting `data.`, e.g. `data.email`, `data.card.number`. */
  fields: string[];
}

/** Bound into every ciphertext (GCM additional data): a sealed value opens only as an edwe field of this version. */
const AAD = Buffer.from('edwe-field/v1');

/** Whether a value is a sealed field. */
export const isSealed = (value: unknown): value is string => typeof value === 'string' && value.startsWith(SEALED_PREFIX);

/** Checks an `encrypt` entry's field path; the message names what is wrong, or undefined. */
export function encryptFieldProblem(field: unknown): string | undefined {
  if (typeof field !== 'string' || !/^data(\.[^.\s]+)+$/.test(field)) return `must be a path under data, such as "data.email", got ${JSON.stringify(field)}`;
  if (field.split('.').some((part) => ['__proto__', 'constructor', 'prototype'].includes(part))) return `may not name ${field}`;
  return undefined;
}

/**
 * Seals and reveals the configured fields. Sealing is what ingest does before every put; revealing
 * happens in memory only, and `conceal` puts the sealed form back into what a workflow returns.
 * @example const sealed = await fields.seal(event) // before the store
 */
export class FieldEncryption {
  readonly #byType = new Map<string, string[][]>();

  constructor(
    rules: readonly EncryptRule[],
    private readonly keys: DataKeys,
    /** Initialisation vectors; a test may pin them. */
    private readonly random: (size: number) => Uint8Array = randomBytes,
  ) {
    for (const rule of rules) {
      for (const field of rule.fields) {
        const problem = encryptFieldProblem(field);
        if (problem !== undefined) throw new ValidationError(`event_sourcing.encrypt (${rule.eventType}): ${problem}`);
      }
      const paths = this.#byType.get(rule.eventType) ?? [];
      paths.push(...rule.fields.map((field) => field.split('.').slice(1)));
      this.#byType.set(rule.eventType, paths);
    }
  }

  /** Whether events of this type have fields to seal. */
  covers(type: string): boolean {
    return this.#byType.has(type);
  }

  /** The sealed paths (`data.email`) of a type, for the rule checks. */
  fieldsOf(type: string): string[] {
    return (this.#byType.get(type) ?? []).map((path) => `data.${path.join('.')}`);
  }

  /** The event with its configured fields sealed (a field already sealed, or absent, is left). */
  async seal(event: EngineEvent): Promise<EngineEvent> {
    const paths = this.#byType.get(event.type);
    if (paths === undefined) return event;
    const key = await this.keys.current();
    let data = event.data;
    for (const path of paths) {
      const value = valueAt(data, path);
      if (value === undefined || isSealed(value)) continue;
      data = withValueAt(data, path, this.#encrypt(JSON.stringify(value), key.plaintext, key.reference));
    }
    return data === event.data ? event : { ...event, data };
  }

  /** The event with every sealed value in its data opened. */
  async reveal(event: EngineEvent): Promise<EngineEvent> {
    const data = (await this.#open(event.data)) as Record<string, unknown>;
    return data === event.data ? event : { ...event, data };
  }

  /** `value` with every sealed value in it opened (a value a workflow computed from its input, recorded concealed). */
  open(value: unknown): Promise<unknown> {
    return this.#open(value);
  }

  /** A workflow input with its event (and joined events) revealed: what a workflow is handed. */
  async revealInput<T extends WorkflowInput>(input: T): Promise<T> {
    const event = await this.reveal(input.event);
    const events = input.events === undefined ? undefined : await Promise.all(input.events.map((e) => this.reveal(e)));
    return { ...input, event, ...(events === undefined ? {} : { events }) };
  }

  /** A workflow input with its events sealed again (one handed back in plaintext, as Step Functions reports it). */
  async sealInput<T extends WorkflowInput>(input: T): Promise<T> {
    const event = await this.seal(input.event);
    const events = input.events === undefined ? undefined : await Promise.all(input.events.map((e) => this.seal(e)));
    return { ...input, event, ...(events === undefined ? {} : { events }) };
  }

  /**
   * `value` with every plaintext of `input`'s sealed fields replaced by its sealed form — whole
   * strings and text containing them — so that what a workflow returns is stored without them.
   */
  async conceal(input: WorkflowInput, value: unknown): Promise<unknown> {
    const secrets = new Map<string, string>();
    for (const event of [input.event, ...(input.events ?? [])]) {
      for (const path of this.#byType.get(event.type) ?? []) {
        const sealed = valueAt(event.data, path);
        if (!isSealed(sealed)) continue;
        const plain = JSON.parse(await this.#decrypt(sealed)) as unknown;
        if (typeof plain === 'string' && plain !== '') secrets.set(plain, sealed);
        else secrets.set(JSON.stringify(plain), sealed);
      }
    }
    if (secrets.size === 0) return value;
    return mapStrings(value, (text) => {
      const whole = secrets.get(text);
      if (whole !== undefined) return whole;
      let out = text;
      for (const [plain, sealed] of secrets) if (out.includes(plain)) out = out.split(plain).join(sealed);
      return out;
    });
  }

  async #open(value: unknown): Promise<unknown> {
    if (isSealed(value)) return JSON.parse(await this.#decrypt(value));
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) {
      const items = await Promise.all(value.map((item) => this.#open(item)));
      return items.every((item, i) => item === value[i]) ? value : items;
    }
    const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, v, await this.#open(v)] as const));
    return entries.every(([, before, after]) => before === after) ? value : Object.fromEntries(entries.map(([k, , after]) => [k, after]));
  }

  #encrypt(plaintext: string, key: Uint8Array, reference: string): string {
    const iv = this.random(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(AAD);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${SEALED_PREFIX}${reference}:${Buffer.from(iv).toString('base64url')}:${body.toString('base64url')}`;
  }

  async #decrypt(sealed: string): Promise<string> {
    const parts = sealed.slice(SEALED_PREFIX.length).split(':');
    if (parts.length !== 3) throw new FieldDecryptionError('a sealed field has the wrong shape');
    const [reference, iv, body] = parts as [string, string, string];
    const key = await this.keys.resolve(reference);
    const bytes = Buffer.from(body, 'base64url');
    if (bytes.length < 16) throw new FieldDecryptionError('a sealed field is too short');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(AAD);
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new FieldDecryptionError('a sealed field does not open with its key (tampered, or another key)', { cause: error });
    }
  }
}

/** A sealed field that cannot be opened: wrong key, tampered ciphertext, or a malformed value. */
export class FieldDecryptionError extends Error {
  override readonly name = 'FieldDecryptionError';
}

function valueAt(data: Record<string, unknown>, path: readonly string[]): unknown {
  let current: unknown = data;
  for (const part of path) {
    if (current === null || typeof current !== 'object' || Array.isArray(current) || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** A copy of `data` along `path` only, with the value there replaced. */
function withValueAt(data: Record<string, unknown>, path: readonly string[], value: unknown): Record<string, unknown> {
  const [head, ...rest] = path as [string, ...string[]];
  const next = rest.length === 0 ? value : withValueAt(data[head] as Record<string, unknown>, rest, value);
  return { ...data, [head]: next };
}

/** Every string in a JSON value mapped (iteratively: a deep value cannot overflow the stack). */
function mapStrings(value: unknown, map: (text: string) => string): unknown {
  if (typeof value === 'string') return map(value);
  if (value === null || typeof value !== 'object') return value;
  const root: unknown = Array.isArray(value) ? [...value] : { ...value };
  const stack: Array<Record<string, unknown> | unknown[]> = [root as Record<string, unknown>];
  while (stack.length > 0) {
    const node = stack.pop() as Record<string, unknown>;
    for (const key of Object.keys(node)) {
      const child = node[key];
      if (typeof child === 'string') node[key] = map(child);
      else if (child !== null && typeof child === 'object') {
        const copy = Array.isArray(child) ? [...child] : { ...(child as Record<string, unknown>) };
        node[key] = copy;
        stack.push(copy as Record<string, unknown>);
      }
    }
  }
  return root;
}
