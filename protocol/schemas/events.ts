// Domain events, published by platform services (`POST /api/events`) one at a time or in batches.
import * as z from "zod";
import { closed, list } from "./common.ts";
import { isoTimeInput } from "./time.ts";

/** The most events one batch may carry. */
export const maxBatchEvents = 500;

const tenantSlug = z.string().min(1).max(63).meta({ description: "Platform admin tokens only: the tenant the events belong to." });

/** A dotted event type, as platform services and scripts publish it. */
export const eventType = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[a-z0-9_]+(\.[a-z0-9_]+)*$/, { error: 'must be a dotted event type like "payment.processed"' })
  .meta({ example: "payment.processed" });

const eventFields = {
  id: z
    .string()
    .min(1)
    .max(200)
    // Stored text loses control characters and lone surrogates (SQLite turns the latter into
    // U+FFFD), so two such ids could collide or never match their stored form.
    .refine((id) => !/[\u0000-\u001f\u007f]/.test(id) && id.isWellFormed(), { error: "must be printable text (no control characters or broken Unicode)" })
    .meta({ description: "The publisher's own id: publishing it again delivers nothing twice.", example: "pay_2026_000123" }),
  type: eventType,
  payload: z.unknown().optional().meta({ description: "Any JSON, up to 1 MB." }),
  occurredAt: isoTimeInput.optional().meta({ description: "When it happened; when it was received if left out." }),
};

export const domainEvent = closed(eventFields).meta({ id: "DomainEvent" });

/** One event: `POST /api/events {id, type, payload?, occurredAt?}`. */
export const publishEventRequest = closed({ ...eventFields, tenant: tenantSlug.optional() }).meta({ id: "PublishEventRequest" });

/** A batch: `POST /api/events {events: [...]}`, stored together or not at all. */
export const publishBatchRequest = closed({
  events: list(domainEvent, maxBatchEvents).min(1, { error: `must be a list of 1 to ${maxBatchEvents} events` }),
  tenant: tenantSlug.optional(),
}).meta({ id: "PublishBatchRequest" });

/** Either form; a body with `events` is a batch. */
export const publishRequest = z.union([publishEventRequest, publishBatchRequest]);
export const publishFormOf = (body: unknown) => (typeof body === "object" && body !== null && "events" in body ? publishBatchRequest : publishEventRequest);

export const eventAccepted = z
  .object({
    id: z.string(),
    type: z.string(),
    duplicate: z.boolean().meta({ description: "Its id was seen before with the same event: nothing was delivered again." }),
    deliveries: z.int().meta({ description: "How many scripts it is delivered to." }),
  })
  .meta({ id: "EventAccepted" });

export const eventBatchAccepted = z.object({ accepted: z.int(), duplicates: z.int(), events: z.array(eventAccepted) }).meta({ id: "EventBatchAccepted" });

export type DomainEvent = z.input<typeof domainEvent>;
