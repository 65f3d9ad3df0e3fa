// Nightly transactions export
// ===========================
// Every night at 02:00 this script collects the previous day's transactions, turns them into a
// CSV file and POSTs it to your accounting system (or any HTTP endpoint that takes a CSV).
//
// Settings (Scripts → New script):
//   kind:      scheduled
//   cron:      0 2 * * *            (every day at 02:00)
//   timezone:  Europe/Berlin        (use your own zone, and set TIME_ZONE below to the same one)
//   timeoutMs: 120000               (a busy day may take a while to page through)
//
// Secrets (Settings → Secrets):
//   EXPORT_URL    where to POST the CSV, e.g. https://erp.example.com/imports/transactions
//   EXPORT_TOKEN  sent as "Authorization: Bearer <token>"
// The endpoint's host must be allowed by your tenant's egress policy.
//
// Input: the scheduler passes { scheduledFor: "2026-03-05T02:00:00+01:00" } and the script
// exports the day before that date. With no input (Run pressed by hand) it exports yesterday
// in TIME_ZONE. A manual run may also pass
//   { "date": "2026-03-04" }   to export (or re-send) one particular day
//   { "pageSize": 100 }        to read fewer transactions per SDK call (1 to 500)
//
// A non-2xx answer from the endpoint fails the execution with the status and the start of the
// answer, so it shows up red in the history (and in failure alerts, if you set them up).

/** The zone the "previous day" is counted in: keep it equal to the script's timezone setting. */
const TIME_ZONE = "Europe/Berlin";
/** Transactions fetched per SDK call (1 to 500). */
const PAGE_SIZE = 200;
/** The CSV's columns, in order; each is a field of a transaction. */
const COLUMNS = ["id", "transactionDate", "type", "amount", "currency", "originAccountId", "destinationAccountId", "accountingPeriod", "comment", "createdAt"];

export default async function (input, ctx) {
  const day = dayToExport(input ?? {});
  const url = await ctx.secrets.get("EXPORT_URL");
  const token = await ctx.secrets.get("EXPORT_TOKEN");
  if (!url || !token) throw new Error("set the secrets EXPORT_URL and EXPORT_TOKEN before this script can export");

  // 1. Read every transaction of the day, page by page.
  const transactions = [];
  let cursor = null;
  let pages = 0;
  do {
    const page = await ctx.sdk.transactions.list({ since: day, until: day, limit: input?.pageSize ?? PAGE_SIZE, ...(cursor ? { cursor } : {}) });
    transactions.push(...page.items);
    cursor = page.nextCursor;
    pages += 1;
  } while (cursor);
  ctx.log.info(`${day}: ${transactions.length} transactions in ${pages} page(s)`);

  // 2. Build the CSV (RFC 4180: comma-separated, CRLF line ends, quoted where needed).
  const lines = [COLUMNS.join(",")];
  for (const t of transactions) lines.push(COLUMNS.map((column) => csvField(t[column])).join(","));
  const csv = lines.join("\r\n") + "\r\n";

  // 3. Send it. The Idempotency-Key lets the receiver ignore a day it already has.
  const response = await fetch(url, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "text/csv; charset=utf-8",
      "idempotency-key": `transactions-${day}`,
      "x-export-date": day,
    },
    body: csv,
    signal: ctx.signal, // give up (and fail) when the script's timeout is reached
  });
  if (!response.ok) {
    const answer = (await response.text().catch(() => "")).slice(0, 300);
    throw new Error(`the export endpoint answered ${response.status} for ${day}: ${answer}`);
  }
  return { date: day, transactions: transactions.length, pages, bytes: new TextEncoder().encode(csv).length, status: response.status };
}

/** The YYYY-MM-DD date to export. */
function dayToExport(input) {
  if (input.date !== undefined) {
    if (!/^\d{4}-\d\d-\d\d$/.test(input.date)) throw new Error(`input.date must look like 2026-03-04, got ${JSON.stringify(input.date)}`);
    return input.date;
  }
  // The scheduler's slot is written in the script's zone, so its first 10 characters are the
  // local date of the run: the day to export is the one before.
  const today = typeof input.scheduledFor === "string" ? input.scheduledFor.slice(0, 10) : todayIn(TIME_ZONE);
  return previousDay(today);
}

function todayIn(timeZone) {
  // en-CA formats dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
}

function previousDay(date) {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

/** One CSV cell: empty for null, quoted (with quotes doubled) when it holds , " or a line break. */
function csvField(value) {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
