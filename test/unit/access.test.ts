import { describe, expect, it } from 'vitest';
import { compileAccessPolicy, ForbiddenError, OPEN_ACCESS, parseAccessPolicy, principalMatches } from '../../lambdas/core/access.js';

const SHOP_ROLE = 'arn:aws:iam::123456789012:role/Shop';
const shopSession = 'arn:aws:sts::123456789012:assumed-role/Shop/i-0abc';
const caller = (...principals: string[]) => ({ principals });

describe('principalMatches', () => {
  it('matches an ARN exactly, and a pattern ending in * as a prefix', () => {
    expect(principalMatches('arn:aws:iam::123456789012:user/alice', 'arn:aws:iam::123456789012:user/alice')).toBe(true);
    expect(principalMatches('arn:aws:iam::123456789012:user/alice', 'arn:aws:iam::123456789012:user/alice2')).toBe(false);
    expect(principalMatches('arn:aws:sts::123456789012:assumed-role/Shop/*', shopSession)).toBe(true);
  });

  it("lets a role ARN name the role's sessions (the identity SigV4 requests carry), and only that role's", () => {
    expect(principalMatches(SHOP_ROLE, shopSession)).toBe(true);
    expect(principalMatches('arn:aws:iam::123456789012:role/teams/Shop', shopSession)).toBe(true);
    expect(principalMatches(SHOP_ROLE, 'arn:aws:sts::123456789012:assumed-role/ShopAdmin/i-0abc')).toBe(false);
    expect(principalMatches(SHOP_ROLE, 'arn:aws:sts::999999999999:assumed-role/Shop/i-0abc')).toBe(false);
  });
});

describe('compileAccessPolicy', () => {
  const access = compileAccessPolicy(
    parseAccessPolicy({
      callers: [
        { principal: SHOP_ROLE, sources: ['shop.orders', 'shop.web-*'] },
        { principal: 'k8a2b3c4d5', sources: ['crm'] },
        { principal: 'arn:aws:iam::123456789012:user/ops', sources: ['*'] },
      ],
    }),
  );

  it('lets a caller publish its sources, exactly or by prefix', () => {
    expect(() => access.checkPublish(caller(shopSession), 'shop.orders')).not.toThrow();
    expect(() => access.checkPublish(caller(shopSession), 'shop.web-checkout')).not.toThrow();
    expect(() => access.checkPublish(caller('k8a2b3c4d5'), 'crm')).not.toThrow();
    expect(() => access.checkPublish(caller('arn:aws:iam::123456789012:user/ops'), 'anything')).not.toThrow();
  });

  it('refuses another source with a ForbiddenError naming the caller and the source', () => {
    const refuse = () => access.checkPublish(caller(shopSession), 'crm');

    expect(refuse).toThrow(ForbiddenError);
    expect(refuse).toThrow(`${shopSession} may not publish events with source "crm"`);
    try {
      refuse();
    } catch (error) {
      expect(error).toMatchObject({ code: 'forbidden', retryable: false, details: [{ path: 'source', message: 'not a source this caller may publish' }] });
    }
  });

  it('refuses everything to a caller the policy does not list, and to an unidentified one', () => {
    expect(() => access.checkPublish(caller('arn:aws:iam::123456789012:user/mallory'), 'shop.orders')).toThrow(ForbiddenError);
    expect(() => access.checkPublish(caller(), 'shop.orders')).toThrow('an unidentified caller may not publish');
  });

  it('joins the sources of every identity the request carries (an IAM principal and an API key)', () => {
    expect(access.sourcesOf(caller(shopSession, 'k8a2b3c4d5'))).toEqual(['shop.orders', 'shop.web-*', 'crm']);
  });

  it('without a policy, lets every caller publish any source', () => {
    expect(() => OPEN_ACCESS.checkPublish(caller(), 'anything')).not.toThrow();
  });
});

describe('parseAccessPolicy', () => {
  it('names what is wrong', () => {
    expect(() => parseAccessPolicy({ callers: [{ principal: SHOP_ROLE, sources: [] }] })).toThrow(/callers\.0\.sources: /);
    expect(() => parseAccessPolicy({ callers: [{ principal: 'arn:*:role', sources: ['a'] }] })).toThrow(/callers\.0\.principal: may hold "\*" only at its end/);
    expect(() => parseAccessPolicy({ callers: [{ principal: SHOP_ROLE, sources: ['a'], role: 'x' }] })).toThrow(/callers\.0/);
  });
});
