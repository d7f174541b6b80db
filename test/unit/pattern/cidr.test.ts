import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePattern, InvalidPatternError } from '../../../lambdas/core/pattern/index.js';

const matches = (pattern: unknown, event: unknown): boolean => compilePattern(pattern).matches(event);
const cidr = (block: unknown) => ({ detail: { sourceIPAddress: [{ cidr: block }] } });
const from = (ip: unknown) => ({ detail: { sourceIPAddress: ip } });
const rejects = (pattern: unknown, reason: RegExp): void => {
  expect(() => compilePattern(pattern)).toThrow(InvalidPatternError);
  expect(() => compilePattern(pattern)).toThrow(reason);
};

describe('cidr', () => {
  it("matches IPv4 addresses 10.0.0.0–10.0.0.255 with the guide's 10.0.0.0/24", () => {
    expect(matches(cidr('10.0.0.0/24'), from('10.0.0.0'))).toBe(true);
    expect(matches(cidr('10.0.0.0/24'), from('10.0.0.33'))).toBe(true);
    expect(matches(cidr('10.0.0.0/24'), from('10.0.0.255'))).toBe(true);
    expect(matches(cidr('10.0.0.0/24'), from('10.0.1.0'))).toBe(false);
    expect(matches(cidr('10.0.0.0/24'), from('9.255.255.255'))).toBe(false);
  });

  it('matches the whole space with /0 and wide blocks such as /8', () => {
    expect(matches(cidr('0.0.0.0/0'), from('255.255.255.255'))).toBe(true);
    expect(matches(cidr('10.0.0.0/8'), from('10.200.3.4'))).toBe(true);
  });

  it('matches IPv6 addresses in an IPv6 block, in any textual form', () => {
    expect(matches(cidr('2001:db8::/64'), from('2001:db8::1'))).toBe(true);
    expect(matches(cidr('2001:db8::/64'), from('2001:DB8:0:0:ffff:ffff:ffff:ffff'))).toBe(true);
    expect(matches(cidr('2001:db8::/64'), from('2001:db8:0:1::'))).toBe(false);
    expect(matches(cidr('2001:db8::/32'), from('2001:db8:ffff::1'))).toBe(true);
  });

  it('never matches an address of the other family', () => {
    expect(matches(cidr('0.0.0.0/0'), from('::1'))).toBe(false);
    expect(matches(cidr('::/0'), from('10.0.0.1'))).toBe(false);
  });

  it("treats an IPv4-mapped IPv6 address as IPv4, as Java's InetAddress does", () => {
    expect(matches(cidr('10.0.0.0/24'), from('::ffff:a00:1'))).toBe(true);
  });

  it('does not match values that are not IP addresses', () => {
    for (const value of ['10.0.0', '10.0.0.256', '010.0.0.1', 'host.example.com', '', '2001:db8:::1', 5, null]) {
      expect(matches(cidr('0.0.0.0/0'), from(value))).toBe(false);
    }
  });

  it('matches when any element of an event array is in the block', () => {
    expect(matches(cidr('10.0.0.0/24'), from(['192.168.0.1', '10.0.0.7']))).toBe(true);
  });

  it('uses the written address as the low end of the range, as event-ruler does', () => {
    expect(matches(cidr('10.0.0.5/24'), from('10.0.0.5'))).toBe(true);
    expect(matches(cidr('10.0.0.5/24'), from('10.0.0.4'))).toBe(false);
  });

  it('matches a plain IP value as an address, so IPv6 spellings agree', () => {
    expect(matches({ ip: ['2001:db8::1'] }, { ip: '2001:0DB8:0000:0000:0000:0000:0000:0001' })).toBe(true);
    expect(matches({ ip: ['10.0.0.1'] }, { ip: '10.0.0.1' })).toBe(true);
    expect(matches({ ip: ['10.0.0.1'] }, { ip: '10.0.0.2' })).toBe(false);
  });

  it('rejects a block without exactly one "/" and mask bits', () => {
    rejects(cidr('10.0.0.0'), /detail\.sourceIPAddress: malformed CIDR/);
    rejects(cidr('10.0.0.0/'), /malformed CIDR/);
    rejects(cidr('10.0.0.0/8/8'), /malformed CIDR/);
    rejects(cidr('10.0.0.0/x'), /mask bits "x" must be an integer/);
    rejects(cidr('10.0.0.0/-1'), /must not be negative/);
  });

  it('rejects an address that is not IPv4 or IPv6', () => {
    rejects(cidr('10.0.0.300/8'), /is not an IPv4 or IPv6 address/);
    rejects(cidr('example.com/8'), /is not an IPv4 or IPv6 address/);
  });

  it('rejects full-length masks, as event-ruler does (/32 for IPv4, /128 for IPv6)', () => {
    rejects(cidr('10.0.0.1/32'), /IPv4 mask bits must be less than 32/);
    rejects(cidr('2001:db8::1/128'), /IPv6 mask bits must be less than 128/);
  });

  it('rejects a non-string operand', () => {
    rejects(cidr(10), /cidr expects a string/);
  });

  it('recognises exactly the addresses Node recognises (without embedded IPv4 or zones)', () => {
    const anyIp = compilePattern({ ip: [{ cidr: '0.0.0.0/0' }, { cidr: '::/0' }] });
    const noise = fc.array(fc.constantFrom('0', '1', '2', '5', '9', 'a', 'F', 'g', '.', ':', '::'), { maxLength: 18 }).map((parts) => parts.join(''));
    const text = fc.oneof(noise, fc.ipV4(), fc.ipV6()).filter((s) => !(s.includes('.') && s.includes(':')));
    fc.assert(
      fc.property(text, (s) => {
        expect(anyIp.matches({ ip: s })).toBe(isIP(s) !== 0);
      }),
      { numRuns: 5_000 },
    );
  });
});
