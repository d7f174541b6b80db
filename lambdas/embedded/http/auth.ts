/**
 * Who is calling the embedded HTTP API and what they may do: bearer tokens, each with a name and
 * scopes (`--tokens FILE`, `--token T`), compared in constant time. See docs/security.md, Scopes.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { ForbiddenError } from '../../core/index.js';
import * as z from '../../core/schema.js';

/** Every scope a token can hold. */
export const SCOPES = ['events:write', 'events:read', 'events:read-sensitive', 'executions:read', 'executions:write', 'replays:write', 'rules:read', 'rules:write'] as const;

export type Scope = (typeof SCOPES)[number];

/** The authenticated caller, handed to every route handler. */
export interface Caller {
  /** The token's name (`anonymous` when the engine has no tokens, `token` for `--token`). */
  readonly name: string;
  readonly scopes: ReadonlySet<Scope>;
  /** When set, the event sources `events:write` is limited to (`shop.*` is a prefix, `*` any). */
  readonly sources?: readonly string[];
}

const TokenEntrySchema = z.strictObject({
  name: z.string().check(z.minLength(1), z.maxLength(128)),
  token: z.string().check(z.minLength(16, { error: 'must be at least 16 characters' }), z.maxLength(4096)),
  scopes: z.array(z.enum(SCOPES)).check(z.minLength(1)),
  /** Limits `events:write` to these sources. */
  sources: z.optional(
    z
      .array(
        z.string().check(
          z.minLength(1),
          z.refine((p) => !p.slice(0, -1).includes('*'), { error: 'may hold "*" only at its end' }),
        ),
      )
      .check(z.minLength(1)),
  ),
});
const TokenListSchema = z.array(TokenEntrySchema);
const TokensObjectSchema = z.strictObject({ tokens: TokenListSchema });

/** One entry of a tokens file. */
export type TokenEntry = z.output<typeof TokenEntrySchema>;

/** Every scope: what `--token T` and a token-less engine grant. */
export const ALL_SCOPES: ReadonlySet<Scope> = new Set(SCOPES);

/** The caller of an engine that has no tokens: everyone may do everything (bind it to loopback). */
export const ANONYMOUS: Caller = { name: 'anonymous', scopes: ALL_SCOPES };

/**
 * Reads a tokens file: JSON, a list of `{name, token, scopes, sources?}` (or `{tokens: [...]}`).
 * @throws Error naming the file and the bad entry, e.g. `tokens.json: 0.scopes.1: Invalid option`.
 */
export function readTokensFile(path: string): TokenEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`${path}: cannot read the tokens file: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not valid JSON: ${(error as Error).message}`);
  }
  return parseTokens(value, path);
}

/** Checks a tokens list (the file's content). @throws Error naming `where` and each bad path. */
export function parseTokens(value: unknown, where = 'tokens'): TokenEntry[] {
  // Either form is checked by its own schema, so an error names the entry rather than "no form matched".
  const result = Array.isArray(value) ? TokenListSchema.safeParse(value) : TokensObjectSchema.safeParse(value);
  if (!result.success) {
    throw new Error(`${where}: ${result.error.issues.map((i) => `${i.path.map(String).join('.') || '(file)'}: ${i.message}`).join('; ')}`);
  }
  const entries = Array.isArray(result.data) ? result.data : result.data.tokens;
  const names = new Set<string>();
  for (const entry of entries) {
    if (names.has(entry.name)) throw new Error(`${where}: the name "${entry.name}" is given twice`);
    names.add(entry.name);
  }
  return entries;
}

/** What the server asks: the caller of a request, or why there is none. */
export interface Authenticator {
  /** Whether requests must carry a token at all. */
  readonly required: boolean;
  /** The caller a request's `Authorization` header names; `undefined` when missing or wrong. */
  authenticate(request: IncomingMessage): Caller | undefined;
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * An authenticator over `--token` (every scope, named `token`) and the tokens file's entries.
 * Every token is compared (over fixed-length digests, in constant time), so the time taken does
 * not tell which token nearly matched. The scheme (`Bearer`) is matched case-insensitively.
 */
export function createAuthenticator(options: { token?: string | undefined; tokens?: readonly TokenEntry[] }): Authenticator {
  const known: Array<{ hash: Buffer; caller: Caller }> = [];
  if (options.token) known.push({ hash: digest(options.token), caller: { name: 'token', scopes: ALL_SCOPES } });
  for (const entry of options.tokens ?? []) {
    known.push({ hash: digest(entry.token), caller: { name: entry.name, scopes: new Set(entry.scopes), ...(entry.sources ? { sources: entry.sources } : {}) } });
  }
  if (known.length === 0) return { required: false, authenticate: () => ANONYMOUS };
  return {
    required: true,
    authenticate(request) {
      const match = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(request.headers.authorization ?? '');
      if (!match) return undefined;
      const given = digest(match[1] as string);
      let found: Caller | undefined;
      for (const { hash, caller } of known) if (timingSafeEqual(hash, given) && found === undefined) found = caller;
      return found;
    },
  };
}

/** @throws ForbiddenError naming the scope when the caller lacks it. */
export function requireScope(caller: Caller, scope: Scope): void {
  if (caller.scopes.has(scope)) return;
  throw new ForbiddenError(`The token "${caller.name}" lacks the scope ${scope}`, [{ path: '(token)', message: `needs ${scope}` }]);
}

/** @throws ForbiddenError when the caller's `events:write` is limited to sources that exclude this one. */
export function checkSource(caller: Caller, source: string): void {
  if (caller.sources === undefined) return;
  if (caller.sources.some((p) => (p.endsWith('*') ? source.startsWith(p.slice(0, -1)) : p === source))) return;
  throw new ForbiddenError(`The token "${caller.name}" may not publish events with source "${source}"`, [
    { path: 'source', message: `not one of ${caller.sources.join(', ')}` },
  ]);
}
