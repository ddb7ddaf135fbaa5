import { describe, expect, it } from '@jest/globals';
import { assertPermissionNames, isPermissionName, missingPermissions } from './permission-name.js';

/** Whether `granted` satisfies a route requiring `permission`, as the guard decides it. */
const grants = (granted: readonly string[], permission: string): boolean =>
  missingPermissions(new Set(granted), [permission]).length === 0;

describe('missingPermissions (checklist S59)', () => {
  it.each([
    'constructor',
    '__proto__',
    'toString',
    'hasOwnProperty',
    'valueOf',
    '',
    'post:delete:own',
    '*',
    'post:*',
  ])('a user with no permission is never granted %p', (permission) => {
    expect(grants([], permission)).toBe(false);
  });

  it('matches case-sensitively and without trimming', () => {
    const user = ['post:delete:own'];
    expect(grants(user, 'post:delete:own')).toBe(true);
    expect(grants(user, 'POST:DELETE:OWN')).toBe(false);
    expect(grants(user, 'Post:delete:own')).toBe(false);
    expect(grants(user, 'post:delete:own ')).toBe(false);
    expect(grants(user, ' post:delete:own')).toBe(false);
  });

  it('has no wildcards, in either direction', () => {
    expect(grants(['*'], 'post:like')).toBe(false);
    expect(grants(['post:*'], 'post:like')).toBe(false);
    expect(grants(['post:like'], 'post:*')).toBe(false);
    expect(grants(['post:like'], '*')).toBe(false);
  });

  it('does not match by prefix', () => {
    expect(grants(['post:like'], 'post:like:extra')).toBe(false);
    expect(grants(['post:like:extra'], 'post:like')).toBe(false);
    expect(grants(['post'], 'post:like')).toBe(false);
  });

  it('grants exactly what was granted, even names that shadow Object.prototype', () => {
    expect(grants(['constructor'], 'constructor')).toBe(true);
    expect(grants(['__proto__'], '__proto__')).toBe(true);
    expect(grants(['constructor'], 'toString')).toBe(false);
  });

  it('lists every missing permission and requires all of them', () => {
    const granted = new Set(['a', 'b']);
    expect(missingPermissions(granted, ['a', 'b'])).toEqual([]);
    expect(missingPermissions(granted, ['a', 'c', 'b', 'd'])).toEqual(['c', 'd']);
    expect(missingPermissions(granted, [])).toEqual([]);
  });

  it('is not fooled by a polluted Object.prototype', () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto['user:admin'] = true;
    try {
      expect(grants([], 'user:admin')).toBe(false);
    } finally {
      delete proto['user:admin'];
    }
  });
});

describe('isPermissionName', () => {
  it.each(['post:like', 'users:manage', '*', 'a', 'x'.repeat(128)])('accepts %p', (name) => {
    expect(isPermissionName(name)).toBe(true);
  });

  it.each(['', ' ', 'post:like ', 'post like', 'post:\tlike', 'café', 'x'.repeat(129), 42, null])(
    'refuses %p',
    (name) => {
      expect(isPermissionName(name)).toBe(false);
    },
  );

  it('assertPermissionNames names the decorator and the bad value', () => {
    expect(() => assertPermissionNames(['ok', 'not ok'], '@RequirePermission()')).toThrow(
      /@RequirePermission\(\): "not ok" is not a valid permission name/,
    );
    expect(() => assertPermissionNames(['ok'], '@RequirePermission()')).not.toThrow();
  });
});
