import { describe, expect, it } from 'vitest';
import { compilePattern, InvalidPatternError } from '../../../lambdas/core/pattern/index.js';

const matches = (pattern: unknown, event: unknown): boolean => compilePattern(pattern).matches(event);

// EventBridge joins field names with "." into one path per leaf, in patterns and in events alike.
describe('field names containing dots', () => {
  const running = { detail: { state: { status: 'running' } } };

  it('reads a dotted pattern key as the nested path it spells', () => {
    expect(matches({ detail: { 'state.status': ['running'] } }, running)).toBe(true);
    expect(matches({ 'detail.state.status': ['running'] }, running)).toBe(true);
    expect(matches({ 'detail.state.status': ['stopped'] }, running)).toBe(false);
  });

  it('reads a dotted event key as the nested object it spells', () => {
    const pattern = { detail: { state: { status: ['running'] } } };
    expect(matches(pattern, { detail: { 'state.status': 'running' } })).toBe(true);
    expect(matches(pattern, { 'detail.state.status': 'running' })).toBe(true);
    expect(matches(pattern, { detail: { 'state.status': 'stopped' } })).toBe(false);
    expect(matches({ detail: { 'state.status': ['running'] } }, { detail: { 'state.status': 'running' } })).toBe(true);
  });

  it('merges a dotted key with the nested fields beside it', () => {
    const pattern = { detail: { 'state.status': ['running'], state: { code: [16] } } };
    expect(matches(pattern, { detail: { state: { status: 'running', code: 16 } } })).toBe(true);
    expect(matches(pattern, { detail: { state: { status: 'running', code: 80 } } })).toBe(false);
  });

  it('keeps the later of two leaves that spell one path', () => {
    expect(matches({ detail: { state: { status: ['stopped'] }, 'state.status': ['running'] } }, running)).toBe(true);
  });

  it('applies operators and exists through dotted keys', () => {
    expect(matches({ 'detail.state.status': [{ prefix: 'run' }] }, running)).toBe(true);
    expect(matches({ 'detail.state.missing': [{ exists: false }] }, running)).toBe(true);
    expect(matches({ 'detail.state.status': [{ exists: false }] }, running)).toBe(false);
  });

  it('expands dotted keys inside $or branches', () => {
    const pattern = { $or: [{ 'detail.state.status': ['stopped'] }, { 'detail.state.code': [16] }] };
    expect(matches(pattern, { detail: { state: { status: 'running', code: 16 } } })).toBe(true);
    expect(matches(pattern, running)).toBe(false);
  });

  it('refuses a path given both a value list and nested fields, naming it', () => {
    const pattern = { detail: { state: ['running'], 'state.status': ['running'] } };
    expect(() => compilePattern(pattern)).toThrow(InvalidPatternError);
    expect(() => compilePattern(pattern)).toThrow(/detail\.state/);
  });

  it('leaves the pattern it was given unchanged', () => {
    const inner = { code: [16] };
    const pattern = { detail: { state: inner, 'state.status': ['running'] } };
    compilePattern(pattern);
    expect(inner).toEqual({ code: [16] });
    expect(Object.keys(pattern.detail)).toEqual(['state', 'state.status']);
  });
});
