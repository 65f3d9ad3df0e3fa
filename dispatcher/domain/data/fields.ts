// Field kinds of business entities: how a script's value is checked, stored and shown.
import { invalid } from "../../../protocol/errors.ts";
import { isoTime } from "../../../protocol/schemas/time.ts";

export type FieldKind = "text" | "email" | "phone" | "date" | "period" | "money" | "currency" | "ref" | { enum: readonly string[] };

export interface FieldSpec {
  /** The drizzle column property it is stored in. */
  column: string;
  kind: FieldKind;
  required?: boolean;
  max?: number;
}

/** Checks one value from a script and turns it into what the column stores. */
export function toColumn(entity: string, field: string, spec: FieldSpec, value: unknown): unknown {
  const where = `${entity}.${field}`;
  if (value === null && !spec.required && spec.kind !== "money") return null;
  const kind = spec.kind;
  if (typeof kind === "object") {
    if (typeof value !== "string" || !kind.enum.includes(value)) throw invalid(field, `${where} must be one of: ${kind.enum.join(", ")}`);
    return value;
  }
  switch (kind) {
    case "money": {
      if (typeof value !== "number" || !Number.isFinite(value)) throw invalid(field, `${where} must be a number`);
      const minor = Math.round(value * 100);
      if (Math.abs(value * 100 - minor) > 1e-6) throw invalid(field, `${where} has more than 2 decimal places`);
      if (!Number.isSafeInteger(minor)) throw invalid(field, `${where} is too large`);
      return minor;
    }
    case "date": {
      // ISO 8601 only: Date.parse would also take "1" or "March 5" and guess.
      if (typeof value !== "string") throw invalid(field, `${where} must be a date like 2026-11-24`);
      return isoTime(value, field).slice(0, 10);
    }
    case "period": {
      if (typeof value !== "string" || !/^\d{4}-(0[1-9]|1[0-2])$/.test(value)) throw invalid(field, `${where} must be a month like 2026-11`);
      return value;
    }
    case "currency": {
      if (typeof value !== "string" || !/^[A-Za-z]{3}$/.test(value)) throw invalid(field, `${where} must be an ISO 4217 code like USD`);
      return value.toUpperCase();
    }
    case "email": {
      if (typeof value !== "string" || value.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value))
        throw invalid(field, `${where} must be an email address`);
      return value;
    }
    default: {
      if (typeof value !== "string") throw invalid(field, `${where} must be a string`);
      const max = spec.max ?? (kind === "phone" ? 32 : kind === "ref" ? 64 : 2000);
      if (value.length > max) throw invalid(field, `${where} must be at most ${max} characters`);
      if (spec.required && value.trim() === "") throw invalid(field, `${where} must not be empty`);
      return value;
    }
  }
}

/** Turns a stored value back into what a script sees. */
export function fromColumn(spec: FieldSpec, stored: unknown): unknown {
  if (spec.kind === "money" && typeof stored === "number") return stored / 100;
  return stored ?? null;
}
