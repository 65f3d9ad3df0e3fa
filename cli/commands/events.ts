// `iota events publish <type>`: a domain event into the tenant's event intake (POST /api/events),
// delivered to every event script subscribed to its type.
import { randomUUID } from "node:crypto";
import type { EventAccepted } from "../../protocol/api.ts";
import { inputHelp, inputOptions, readInput, text, type Command } from "../command.ts";
import { exitCodes, usage } from "../errors.ts";
import { session } from "../remote.ts";

export const events: Command = {
  name: "events",
  summary: "publish a domain event (events publish <type>)",
  help: `iota events publish <type> [--data JSON | --input FILE|-] [--id ID] [--occurred-at TIME]

Publishes an event of <type> (like payment.processed) with the JSON payload given. Publishing
an id again delivers nothing twice.

${inputHelp}
  --id ID          the event's id (default: a new UUID)
  --occurred-at T  when it happened (ISO 8601; default: when the server receives it)`,
  options: { ...inputOptions, id: { type: "string" }, "occurred-at": { type: "string" } },
  args: { min: 2, max: 2 },
  async run(invocation) {
    const { positionals, values, out } = invocation;
    const [action, type] = positionals as [string, string];
    if (action !== "publish") throw usage(`iota events has one action, publish (not ${action}): iota events publish <type> --data JSON`);
    const payload = await readInput(invocation);
    const occurredAt = text(values, "occurred-at");
    const event = { id: text(values, "id") ?? randomUUID(), type, ...(payload !== undefined ? { payload } : {}), ...(occurredAt ? { occurredAt } : {}) };
    const { api } = await session(invocation);
    const accepted = await api.post<EventAccepted>("/api/events", event);
    out.result(accepted, () =>
      accepted.duplicate
        ? `${accepted.type} ${accepted.id} was published before: nothing delivered again.`
        : `Published ${accepted.type} ${accepted.id}: delivered to ${accepted.deliveries} script${accepted.deliveries === 1 ? "" : "s"}.`,
    );
    return exitCodes.ok;
  },
};
