// Recognises the database failures the domain expects and answers itself.

export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string; cause?: unknown } | null;
  if (!e) return false;
  if (typeof e.code === "string" && e.code.startsWith("SQLITE_CONSTRAINT") && /UNIQUE|PRIMARY KEY/i.test(`${e.code} ${e.message}`)) return true;
  return e.cause !== undefined && e.cause !== error && isUniqueViolation(e.cause);
}
