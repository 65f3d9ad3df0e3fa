// The templates offered on "New script": the tested scripts in examples/, one per use case of
// the product, each with the kind and settings its header asks for (examples/README.md). Only
// what the chooser shows lives here; the code is in code.ts, loaded with the editor.
import type { ScriptKind } from "../../../../protocol/api.ts";
import type { Draft } from "../editor/draft.ts";

export interface Template {
  id: string;
  title: string;
  useCase: string;
  kind: ScriptKind;
  /** The settings the new script starts with; its name, kind and trigger among them. */
  settings: Partial<Draft>;
  /** Tenant secrets it reads: set them before it can work. */
  secrets: string[];
  /** A first thing to try once it is saved. */
  tryIt: string;
  /** What the Run panel starts with, for the kinds that take JSON. */
  sampleInput?: unknown;
}

/** The tag a script made from a template carries, so the Run panel can offer its sample input. */
export const templateTag = "template";

const from = (id: string): Pick<Draft, "tags"> => ({ tags: [{ key: templateTag, value: id }] });

export const templates: Template[] = [
  {
    id: "nightly-transactions-export",
    title: "Nightly CSV export",
    useCase: "Every night at 02:00, yesterday's transactions as CSV, POSTed to your accounting system.",
    kind: "scheduled",
    settings: {
      name: "nightly-transactions-export",
      kind: "scheduled",
      cron: "0 2 * * *",
      timezone: "Europe/Berlin",
      missedPolicy: "catch_up",
      timeoutMs: "120000",
      description: "Yesterday's transactions as CSV to the accounting system",
      ...from("nightly-transactions-export"),
    },
    secrets: ["EXPORT_URL", "EXPORT_TOKEN"],
    tryIt: 'Set the two secrets, then Run with {"date": "2026-03-04"} to send one day now.',
    sampleInput: { date: "2026-03-04" },
  },
  {
    id: "signup-webhook",
    title: "Webhook receiver",
    useCase: "A signed sign-up webhook from your website: checks the JSON, creates the client, answers 201 with its id.",
    kind: "http",
    settings: {
      name: "signup-webhook",
      kind: "http",
      path: "/webhooks/signup",
      methods: ["POST"],
      access: "hmac",
      hmacSecret: "SIGNUP_WEBHOOK_SECRET",
      hmacScheme: "sha256-hex",
      description: "Sign-ups from the website become clients",
      ...from("signup-webhook"),
    },
    secrets: ["SIGNUP_WEBHOOK_SECRET"],
    tryIt: "Set the secret's value in Settings, then send a signed request from the Run panel.",
    sampleInput: { firstName: "Ada", lastName: "Lovelace", email: "ada.lovelace@signup.example", source: "pricing-page" },
  },
  {
    id: "payment-receipt-email",
    title: "Event notification",
    useCase: "On payment.processed, emails the client a receipt; retried on failure, never sent twice.",
    kind: "event",
    settings: {
      name: "payment-receipt-email",
      kind: "event",
      events: "payment.processed",
      maxAttempts: "5",
      description: "Emails a receipt for each processed payment",
      ...from("payment-receipt-email"),
    },
    secrets: ["EMAIL_API_URL", "EMAIL_API_KEY"],
    tryIt: "Set the two secrets, then send the test payment.processed event the Run panel offers.",
    // Without a payment of that id the event's own email, amount and currency are used.
    sampleInput: { paymentId: "pay-test-1", email: "ada@example.com", amount: 42.5, currency: "EUR" },
  },
  {
    id: "legacy-clients-import",
    title: "Data migration with progress",
    useCase: "A one-off import of legacy client rows: creates clients, skips duplicates, reports progress as it goes.",
    kind: "manual",
    settings: {
      name: "legacy-clients-import",
      kind: "manual",
      timeoutMs: "900000",
      description: "One-off import of the legacy CRM's clients",
      ...from("legacy-clients-import"),
    },
    secrets: [],
    tryIt: "Run it async with the sample rows (a dry run first) and watch the progress.",
    sampleInput: {
      rows: [
        '"Lovelace, Ada",ADA@LEGACY.EXAMPLE,+44 20 7946 0000,"12 St James\'s Square, London",VIP',
        { full_name: "Grace Hopper", email: "grace@legacy.example", phone: "", notes: "" },
      ],
      dryRun: true,
    },
  },
  {
    id: "pricing-rule",
    title: "Pricing rule",
    useCase: "Prices an order with volume and customer-tier discounts, called by your services as an embedded script.",
    kind: "embedded",
    settings: { name: "pricing-rule", kind: "embedded", timeoutMs: "2000", description: "Volume and tier discounts for order prices", ...from("pricing-rule") },
    secrets: [],
    tryIt: 'Call it with {"sku": "GADGET-PRO", "qty": 12, "customerTier": "gold"}.',
    sampleInput: { sku: "GADGET-PRO", qty: 12, customerTier: "gold" },
  },
];

export const templateById = (id: string | undefined) => templates.find((t) => t.id === id);

/** The sample input of the template a script was made from, as the Run panel's first input. */
export function sampleInputFor(tags: Record<string, string>): string | undefined {
  const input = templateById(tags[templateTag])?.sampleInput;
  return input === undefined ? undefined : `${JSON.stringify(input, null, 2)}\n`;
}
