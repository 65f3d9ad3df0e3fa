// Tenant secrets: written and listed through the API, read back only by the platform.
import * as z from "zod";
import { closed, instant, patterned } from "./common.ts";

export const secretSummary = z.object({ name: z.string(), updatedAt: instant, updatedBy: z.string().nullable() }).meta({ id: "SecretSummary" });
export const secretName = patterned(
  64,
  /^[A-Za-z_][A-Za-z0-9_]{0,63}$/,
  'must be 1-64 letters, digits and "_", not starting with a digit, like STRIPE_KEY',
).meta({ example: "STRIPE_KEY" });
export const secretParams = z.object({ name: secretName });
/** `PUT /admin/api/secrets/:name`; values are never read back. */
export const secretValueRequest = closed({ value: z.string().min(1, { error: "is required: a non-empty string" }).meta({ description: "Up to 64 KB." }) }).meta(
  { id: "SecretValueRequest" },
);
export const secretWritten = z.object({ name: z.string(), updatedAt: instant });
