/**
 * The rule sets and events `npm run bench -- rules` routes: synthetic rule sets of 10 to 10,000 rules with their events,
 * and parcel events (event-ruler's citylots2 shape) with five rules of each operator kind. Every run draws the same.
 */
import type { Condition, EngineEvent, Rule } from '../../lambdas/core/index.js';

/** Deterministic pseudo-random numbers (mulberry32), so every run routes the same events. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = random(20260101);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T;
const TIERS = ['premium', 'basic', 'trial', 'enterprise'];
const COUNTRIES = ['US', 'DE', 'FR', 'GB', 'JP', 'BR'];

const rule = (id: string, eventType: string, conditions: Condition[], pattern?: Record<string, unknown>): Rule => ({
  id,
  eventType,
  workflow: 'wf',
  priority: 0,
  conditions,
  stop: false,
  enabled: true,
  ...(pattern ? { pattern } : {}),
});

/** `types` event types with `perType` rules each, plus two `"*"` rules; and events over those types (5% unknown). */
export function scenario(types: number, perType: number, count: number): { rules: Rule[]; events: EngineEvent[] } {
  const rules: Rule[] = [];
  for (let t = 0; t < types; t++) {
    for (let j = 0; j < perType; j++) {
      // Values from small domains, as in real rule sets: tiers, seat thresholds, country pairs.
      const conditions: Condition[] = [{ field: 'user_type', value: TIERS[(t + j) % TIERS.length] }];
      if (j % 3 === 1) conditions.push({ field: 'plan.seats', op: 'gte', value: (t * 7 + j * 5) % 60 });
      if (j % 3 === 2) conditions.push({ field: 'country', op: 'in', value: [COUNTRIES[(t + j) % 6], COUNTRIES[(t * 5 + j + 1) % 6]] });
      rules.push(rule(`t${t}-r${j}`, `type.${t}`, conditions));
    }
  }
  rules.push(rule('all-audit', '*', [{ field: '$.source', op: 'prefix', value: 'audit-' }]));
  rules.push(rule('all-big', '*', [{ field: 'amount', op: 'gt', value: 9_990 }]));
  const events = Array.from(
    { length: count },
    (_, i): EngineEvent => ({
      id: `e${i}`,
      type: rnd() < 0.05 ? 'unknown.type' : `type.${Math.floor(rnd() * types)}`,
      source: pick(['web', 'mobile', 'audit-log']),
      timestamp: '2026-01-01T00:00:00.000Z',
      data: { user_type: pick(TIERS), plan: { seats: Math.floor(rnd() * 60) }, country: pick(COUNTRIES), amount: Math.floor(rnd() * 10_000) },
    }),
  );
  return { rules, events };
}

/** ~900-byte events shaped like event-ruler's citylots2 benchmark (a GeoJSON parcel), as JSON text. */
export function parcelEvents(count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const block = String(Math.floor(rnd() * 9000)).padStart(4, '0');
    const coordinates = Array.from({ length: 12 }, () => [-122.4 - rnd() * 0.1, 37.7 + rnd() * 0.1, 0]);
    return JSON.stringify({
      id: `01HPARCEL${String(i).padStart(8, '0')}`,
      type: 'parcel.updated',
      source: pick(['citylots', 'assessor', 'audit-feed']),
      timestamp: '2026-01-01T00:00:00.000Z',
      data: {
        type: 'Feature',
        properties: {
          MAPBLKLOT: `${block}${String(i % 1000).padStart(3, '0')}`,
          BLOCK_NUM: block,
          LOT_NUM: String(i % 1000).padStart(3, '0'),
          FROM_ST: String(Math.floor(rnd() * 3000)),
          STREET: pick(['MARKET', 'MISSION', 'VALENCIA', 'UNKNOWN', 'Castro']),
          ST_TYPE: pick(['ST', 'AVE', null]),
          ODD_EVEN: pick(['E', 'O']),
          IP: `10.${Math.floor(rnd() * 4)}.${Math.floor(rnd() * 256)}.7`,
          AREA: Math.round(rnd() * 50_000) / 10,
          OWNER: pick(['City and County', 'Private', 'State of California', 'Federal']),
        },
        geometry: { type: pick(['Polygon', 'MultiPolygon']), coordinates: [coordinates] },
      },
    });
  });
}

const p = (field: string, leaf: unknown[]): Record<string, unknown> => {
  const segments = field.split('.');
  let node: unknown = leaf;
  for (let i = segments.length - 1; i >= 0; i--) node = { [segments[i] as string]: node };
  return { data: node };
};
const c = (field: string, op: NonNullable<Condition['op']>, value: unknown): Condition[] => [{ field, op, value }];
/** Five rules of each operator kind, over the parcel events (conditions where they can say it, else patterns). */
export const KINDS: Record<string, (i: number) => Rule> = {
  equals: (i) => rule(`eq${i}`, 'parcel.updated', c('properties.STREET', 'equals', ['MARKET', 'MISSION', 'X', 'Y', 'Z'][i])),
  not_equals: (i) => rule(`ne${i}`, 'parcel.updated', c('properties.STREET', 'not_equals', `S${i}`)),
  in: (i) => rule(`in${i}`, 'parcel.updated', c('properties.ODD_EVEN', 'in', ['E', `Q${i}`])),
  not_in: (i) => rule(`ni${i}`, 'parcel.updated', c('properties.ST_TYPE', 'not_in', ['ST', `Q${i}`])),
  numeric: (i) => rule(`nu${i}`, 'parcel.updated', c('properties.AREA', 'between', [i * 1000, i * 1000 + 500])),
  exists: (i) => rule(`ex${i}`, 'parcel.updated', c(['properties.ST_TYPE', 'properties.IP', 'nope', 'geometry.type', 'properties.LOT_NUM'][i] as string, 'exists', true)),
  prefix: (i) => rule(`pr${i}`, 'parcel.updated', c('properties.MAPBLKLOT', 'prefix', `${i}1`)),
  suffix: (i) => rule(`su${i}`, 'parcel.updated', c('properties.MAPBLKLOT', 'suffix', `${i}7`)),
  contains: (i) => rule(`co${i}`, 'parcel.updated', c('properties.STREET', 'contains', ['SS', 'AR', 'EN', 'as', 'KN'][i])),
  wildcard: (i) => rule(`wc${i}`, 'parcel.updated', c('properties.MAPBLKLOT', 'wildcard', `${i}*0*`)),
  cidr: (i) => rule(`ci${i}`, 'parcel.updated', c('properties.IP', 'cidr', `10.${i}.0.0/16`)),
  equals_ignore_case: (i) => rule(`ic${i}`, 'parcel.updated', c('properties.STREET', 'equals_ignore_case', ['castro', 'market', 'x', 'y', 'z'][i])),
  'prefix ignore-case': (i) => rule(`pi${i}`, 'parcel.updated', [], p('properties.STREET', [{ prefix: { 'equals-ignore-case': ['ca', 'ma', 'mi', 'va', 'zz'][i] } }])),
  'anything-but prefix': (i) => rule(`ap${i}`, 'parcel.updated', [], p('properties.MAPBLKLOT', [{ 'anything-but': { prefix: `${i}` } }])),
  'anything-but wildcard': (i) => rule(`aw${i}`, 'parcel.updated', [], p('properties.STREET', [{ 'anything-but': { wildcard: `*${'AEIOU'[i]}*` } }])),
  $or: (i) => rule(`or${i}`, 'parcel.updated', [], { data: { $or: [{ properties: { ODD_EVEN: ['O'] } }, { geometry: { type: [`T${i}`] } }] } }),
};
