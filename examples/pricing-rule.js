// Pricing rule (embedded)
// =======================
// Your order or quoting service asks this script for a price instead of hard-coding the rules:
// finance can change discounts here (or the price list in ctx.kv) without a deployment.
//
// Settings:
//   kind:      embedded
//   name:      pricing-rule        (the name callers use)
//   timeoutMs: 2000                (a price should come back fast)
//
// Secrets: none.
//
// Calling it from a service (TypeScript, with client/index.ts):
//   const iota = createIotaClient({ baseUrl: "https://iota.example.com", token: process.env.IOTA_TOKEN });
//   const { value } = await iota.invoke("pricing-rule", { sku: "WIDGET-S", qty: 12, customerTier: "gold" });
//   // value: { sku, qty, currency, unitPrice, subtotal, discountRate, discount, total, rules, priceList }
// or over HTTP: POST /api/invoke/pricing-rule with the input as the JSON body and an API token.
//
// Input: { sku: string, qty: positive whole number, customerTier?: "standard" | "silver" | "gold" }
//
// Rules:
//   - the unit price comes from the price list stored in ctx.kv under "pricing:price-list", or
//     from DEFAULT_PRICE_LIST below when none is stored. Store one from any script:
//       await ctx.kv.put("pricing:price-list", { currency: "EUR", prices: { "WIDGET-S": 12.5 } })
//     It may also carry "tierDiscounts" and "volumeDiscounts" to replace the ones below.
//   - a volume discount by quantity and a customer-tier discount add up, capped at MAX_DISCOUNT.
//   - amounts are rounded to cents: discount = round(subtotal × rate), total = subtotal − discount.
//
// A request the rule cannot price (unknown SKU, bad quantity) is answered with a value
//   { error: { code: "UNKNOWN_SKU" | "INVALID_INPUT", field, message } }
// rather than thrown: a thrown error reaches the caller only as "500 SCRIPT_ERROR, the script
// failed" (its message stays in the execution's history), which a service cannot act on.

const PRICE_LIST_KEY = "pricing:price-list";
const DEFAULT_PRICE_LIST = {
  currency: "EUR",
  prices: { "WIDGET-S": 10, "WIDGET-L": 25, "GADGET-PRO": 199.99 },
  // The largest threshold the quantity reaches wins.
  volumeDiscounts: [
    { minQty: 10, rate: 0.05 },
    { minQty: 50, rate: 0.08 },
    { minQty: 100, rate: 0.12 },
  ],
  tierDiscounts: { standard: 0, silver: 0.05, gold: 0.1 },
};
const MAX_DISCOUNT = 0.2;

export default async function (input, ctx) {
  const { sku, qty, customerTier = "standard" } = input ?? {};
  if (typeof sku !== "string" || sku.trim() === "") return refuse("INVALID_INPUT", "sku", "sku must be a non-empty string");
  if (!Number.isInteger(qty) || qty < 1) return refuse("INVALID_INPUT", "qty", "qty must be a whole number of at least 1");

  const stored = await ctx.kv.get(PRICE_LIST_KEY);
  const list = { ...DEFAULT_PRICE_LIST, ...(stored ?? {}) };
  const tierRate = list.tierDiscounts[customerTier];
  if (tierRate === undefined) return refuse("INVALID_INPUT", "customerTier", `customerTier must be one of: ${Object.keys(list.tierDiscounts).join(", ")}`);
  const unitPrice = list.prices[sku.trim().toUpperCase()];
  if (typeof unitPrice !== "number") return refuse("UNKNOWN_SKU", "sku", `no price for ${sku}`);

  const rules = [];
  const volume = [...list.volumeDiscounts].sort((a, b) => b.minQty - a.minQty).find((v) => qty >= v.minQty);
  if (volume) rules.push(`volume ${percent(volume.rate)} (${volume.minQty}+)`);
  if (tierRate > 0) rules.push(`${customerTier} customer ${percent(tierRate)}`);
  let discountRate = (volume?.rate ?? 0) + tierRate;
  if (discountRate > MAX_DISCOUNT) {
    discountRate = MAX_DISCOUNT;
    rules.push(`capped at ${percent(MAX_DISCOUNT)}`);
  }

  // Work in cents so 0.1 + 0.2 problems never reach an invoice.
  const subtotalCents = Math.round(unitPrice * 100) * qty;
  const discountCents = Math.round(subtotalCents * discountRate);
  const result = {
    sku: sku.trim().toUpperCase(),
    qty,
    currency: list.currency,
    unitPrice,
    subtotal: subtotalCents / 100,
    discountRate: Math.round(discountRate * 10_000) / 10_000,
    discount: discountCents / 100,
    total: (subtotalCents - discountCents) / 100,
    rules,
    priceList: stored ? "stored" : "built-in",
  };
  ctx.log.info(`${result.sku} × ${qty} (${customerTier}): ${result.total} ${result.currency}${rules.length ? ` after ${rules.join(", ")}` : ""}`);
  return result;
}

function refuse(code, field, message) {
  return { error: { code, field, message } };
}

function percent(rate) {
  return `${Math.round(rate * 1000) / 10}%`;
}
