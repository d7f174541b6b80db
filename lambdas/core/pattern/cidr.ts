/**
 * IP address parsing and `cidr` ranges, following event-ruler's CIDR class: an IPv4 dotted quad or an
 * IPv6 literal of hex groups (no embedded dotted quad, no zone), IPv4-mapped IPv6 treated as IPv4.
 * Parsing writes into a caller-owned buffer, so matching an event value allocates nothing.
 */

/** 4 for IPv4, 6 for IPv6, 0 when the text is not an IP address. */
export type IpFamily = 0 | 4 | 6;

/** Room for one address: IPv4 uses word 0, IPv6 words 0–3 (big-endian 32-bit words). */
export type IpWords = Uint32Array;

export const newIpWords = (): IpWords => new Uint32Array(4);

/** No IPv6 literal is longer than 39 characters; anything longer is rejected before parsing. */
const MAX_IP_TEXT = 39;

const groups = new Uint16Array(8);

function parseIpv4(text: string, out: IpWords): IpFamily {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x30 && code <= 0x39) {
      if (digits > 0 && octet === 0) return 0; // leading zero: ambiguous (octal) literal
      octet = octet * 10 + (code - 0x30);
      if (++digits > 3 || octet > 255) return 0;
    } else if (code === 0x2e) {
      if (digits === 0 || ++dots > 3) return 0;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
    } else {
      return 0;
    }
  }
  if (digits === 0 || dots !== 3) return 0;
  out[0] = value * 256 + octet;
  return 4;
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  return -1;
}

function parseIpv6(text: string, out: IpWords): IpFamily {
  const n = text.length;
  let count = 0;
  let gap = -1; // index in `groups` where "::" stands
  let i = 0;
  if (text.charCodeAt(0) === 0x3a) {
    if (text.charCodeAt(1) !== 0x3a) return 0;
    gap = 0;
    i = 2;
    if (i === n) {
      groups.fill(0);
      return finishIpv6(0, 0, out);
    }
  }
  while (i < n) {
    let group = 0;
    let digits = 0;
    while (i < n && digits <= 4) {
      const h = hexValue(text.charCodeAt(i));
      if (h < 0) break;
      group = group * 16 + h;
      digits++;
      i++;
    }
    if (digits === 0 || digits > 4 || count === 8) return 0;
    groups[count++] = group;
    if (i === n) break;
    if (text.charCodeAt(i) !== 0x3a) return 0;
    i++;
    if (text.charCodeAt(i) === 0x3a) {
      if (gap >= 0) return 0;
      gap = count;
      i++;
      if (i === n) break;
    } else if (i === n) {
      return 0; // trailing single colon
    }
  }
  if (gap < 0 ? count !== 8 : count > 7) return 0;
  return finishIpv6(count, gap, out);
}

function finishIpv6(count: number, gap: number, out: IpWords): IpFamily {
  if (gap >= 0) {
    const zeros = 8 - count;
    for (let k = count - 1; k >= gap; k--) groups[k + zeros] = groups[k] ?? 0;
    groups.fill(0, gap, gap + zeros);
  }
  const g = (k: number): number => groups[k] ?? 0;
  if (g(0) === 0 && g(1) === 0 && g(2) === 0 && g(3) === 0 && g(4) === 0 && g(5) === 0xffff) {
    out[0] = g(6) * 0x10000 + g(7); // IPv4-mapped: Java's InetAddress yields an IPv4 address
    return 4;
  }
  for (let w = 0; w < 4; w++) out[w] = g(2 * w) * 0x10000 + g(2 * w + 1);
  return 6;
}

/** Parses `text` into `out`; returns its family, or 0 (leaving `out` unspecified) when it is not an IP. */
export function parseIp(text: string, out: IpWords): IpFamily {
  if (text.length === 0 || text.length > MAX_IP_TEXT) return 0;
  return text.includes(':') ? parseIpv6(text, out) : parseIpv4(text, out);
}

/** An inclusive range of addresses of one family. */
export interface IpRange {
  readonly family: 4 | 6;
  readonly low: IpWords;
  readonly high: IpWords;
}

/** Parses `a.b.c.d/n` or `v6/n`; returns the range or the reason it is malformed. */
export function parseCidr(text: string): IpRange | string {
  const slash = text.indexOf('/');
  if (slash < 0 || slash !== text.lastIndexOf('/') || slash === text.length - 1) {
    return `malformed CIDR ${JSON.stringify(text.slice(0, 50))}: exactly one "/" followed by mask bits is required`;
  }
  const bitsText = text.slice(slash + 1);
  if (!/^[+-]?\d{1,10}$/.test(bitsText)) return `malformed CIDR: mask bits ${JSON.stringify(bitsText.slice(0, 20))} must be an integer`;
  const bits = Number(bitsText);
  if (bits < 0) return 'malformed CIDR: mask bits must not be negative';
  const low = newIpWords();
  const family = parseIp(text.slice(0, slash), low);
  if (family === 0) return `malformed CIDR: ${JSON.stringify(text.slice(0, Math.min(slash, 50)))} is not an IPv4 or IPv6 address`;
  // event-ruler rejects full-length masks: a single address is written without a mask instead.
  if (family === 4 && bits > 31) return 'IPv4 mask bits must be less than 32';
  if (family === 6 && bits > 127) return 'IPv6 mask bits must be less than 128';
  const high = newIpWords();
  const words = family === 4 ? 1 : 4;
  for (let w = 0; w < words; w++) {
    const maskedBits = Math.min(32, Math.max(0, bits - 32 * w)); // network bits inside this word
    const hostMask = maskedBits === 32 ? 0 : 0xffffffff >>> maskedBits; // `>>> 32` would be `>>> 0`
    // As in event-ruler, the written address (not the network address) is the low end of the range.
    high[w] = ((low[w] ?? 0) | hostMask) >>> 0;
  }
  return { family, low, high };
}

/** Whether the parsed address in `ip` (of `family`) lies in `range`. */
export function ipInRange(family: IpFamily, ip: IpWords, range: IpRange): boolean {
  if (family !== range.family) return false;
  const words = family === 4 ? 1 : 4;
  let aboveLow = false;
  let belowHigh = false;
  for (let w = 0; w < words; w++) {
    const v = ip[w] ?? 0;
    if (!aboveLow) {
      const lo = range.low[w] ?? 0;
      if (v < lo) return false;
      if (v > lo) aboveLow = true;
    }
    if (!belowHigh) {
      const hi = range.high[w] ?? 0;
      if (v > hi) return false;
      if (v < hi) belowHigh = true;
    }
  }
  return true;
}

/** Whether two parsed addresses of the same family are the same address. */
export function sameIp(family: 4 | 6, a: IpWords, b: IpWords): boolean {
  const words = family === 4 ? 1 : 4;
  for (let w = 0; w < words; w++) if (a[w] !== b[w]) return false;
  return true;
}
