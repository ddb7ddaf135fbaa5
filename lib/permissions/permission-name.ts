/** Longest permission name accepted, in characters. */
const MAX_PERMISSION_LENGTH = 128;

/**
 * Whether `value` is a well-formed permission name: 1–128 printable ASCII characters,
 * no whitespace. Matching is exact and case-sensitive; there are no wildcards.
 */
export function isPermissionName(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_PERMISSION_LENGTH) {
    return false;
  }
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= 32 || c >= 127) return false;
  }
  return true;
}

/** Throws a `TypeError` naming `where` unless every entry is a well-formed permission name. */
export function assertPermissionNames(names: readonly unknown[], where: string): void {
  for (const name of names) {
    if (!isPermissionName(name)) {
      throw new TypeError(
        `nest-sessions: ${where}: ${JSON.stringify(name)} is not a valid permission name ` +
          '(1–128 printable ASCII characters, no whitespace)',
      );
    }
  }
}

/** The permissions of `required` that `granted` lacks (exact, case-sensitive match). */
export function missingPermissions(
  granted: ReadonlySet<string>,
  required: readonly string[],
): string[] {
  return required.filter((permission) => !granted.has(permission));
}
