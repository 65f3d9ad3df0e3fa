// One-off import of clients from a legacy system
// ==============================================
// Paste the rows exported from the old CRM into the Run panel's input and run it once. Each row
// becomes a client; a row whose email is already a client (from an earlier run, or earlier in
// the same input) is skipped, so running it again after fixing bad rows is safe. Progress is
// shown live in the Run panel and kept in the execution.
//
// Settings:
//   kind:      manual
//   timeoutMs: 900000   (15 minutes, the most allowed; the script stops cleanly before its
//                        deadline and tells you how many rows are left for a second run)
//   Run it "async" (the Run panel does) so a long import does not hold a request open.
//
// Secrets: none.
//
// Input:
//   {
//     "rows": [
//       "\"Lovelace, Ada\",ADA@EXAMPLE.COM,+44 20 7946 0000,\"12 St James's Square, London\",VIP",
//       { "full_name": "Grace Hopper", "email": "grace@example.com", "phone": "", "notes": "" }
//     ],
//     "dryRun": false
//   }
//   A row is either one line of the legacy CSV export, in the column order of LEGACY_COLUMNS
//   (commas, "quoted" fields with "" for a quote), or an object keyed by those column names.
//   full_name is "Last, First" or "First Last". "dryRun": true reads the rows and looks for
//   duplicates but creates nothing; the platform's own field checks (a phone over 32 characters,
//   say) only happen when a client is really created, so a dry run may count such a row as
//   imported.
//
// Output: { imported, skipped, errors: [{ row, email?, message }], total, dryRun, remaining? }
//   row is the 1-based position in `rows`.

const LEGACY_COLUMNS = ["full_name", "email", "phone", "address", "notes"];

export default async function (input, ctx) {
  const rows = input?.rows;
  if (!Array.isArray(rows)) throw new Error('the input must be { "rows": [...] }');
  const dryRun = input.dryRun === true;
  const deadline = Date.parse(ctx.deadline) - 5_000; // leave time to return the counts
  const total = rows.length;
  const seen = new Set(); // emails met earlier in this input (a dry run creates nothing to find)
  const result = { imported: 0, skipped: 0, errors: [], total, dryRun };
  let lastPercent = -1;

  ctx.progress(0, `starting: ${total} rows${dryRun ? " (dry run)" : ""}`);
  for (let i = 0; i < total; i++) {
    if (Date.now() > deadline || ctx.signal.aborted) {
      result.remaining = total - i;
      ctx.log.warn(`stopping before the deadline: ${result.remaining} rows left; run again with the remaining rows (imported ones are skipped)`);
      break;
    }
    const rowNumber = i + 1;
    let email;
    try {
      const fields = toClient(rows[i]);
      email = fields.email;
      if (seen.has(fields.email) || (await ctx.sdk.clients.list({ where: { email: fields.email }, limit: 1 })).items.length > 0) {
        result.skipped += 1;
        ctx.log.debug(`row ${rowNumber}: ${fields.email} is already a client, skipped`);
      } else {
        if (!dryRun) await ctx.sdk.clients.create(fields);
        seen.add(fields.email);
        result.imported += 1;
      }
    } catch (error) {
      // A bad row is reported and the import goes on; the platform's checks (SdkError
      // VALIDATION_FAILED) land here too, with a message naming the field.
      result.errors.push({ row: rowNumber, ...(email ? { email } : {}), message: error.message });
      ctx.log.warn(`row ${rowNumber}: ${error.message}`);
    }
    const percent = Math.floor(((i + 1) / total) * 100);
    if (percent !== lastPercent) {
      lastPercent = percent;
      ctx.progress(percent, `${i + 1} of ${total} rows: ${result.imported} imported, ${result.skipped} skipped, ${result.errors.length} errors`);
    }
  }
  if (total === 0) ctx.progress(100, "nothing to import");
  ctx.log.info(`${dryRun ? "dry run: would import" : "imported"} ${result.imported}, skipped ${result.skipped}, ${result.errors.length} errors`);
  return result;
}

/** One legacy row → the fields of ctx.sdk.clients.create; throws with a readable message. */
function toClient(row) {
  const record = typeof row === "string" ? fromCsvLine(row) : row;
  if (record === null || typeof record !== "object" || Array.isArray(record)) throw new Error("a row must be a CSV line or an object");
  const value = (column) => (typeof record[column] === "string" ? record[column].trim() : record[column] == null ? "" : String(record[column]).trim());

  const fullName = value("full_name");
  if (!fullName) throw new Error("full_name is empty");
  let firstName;
  let lastName;
  if (fullName.includes(",")) [lastName, firstName] = fullName.split(",", 2).map((s) => s.trim());
  else {
    const parts = fullName.split(/\s+/);
    firstName = parts.shift();
    lastName = parts.join(" ");
  }
  if (!firstName) throw new Error(`full_name "${fullName}" has no first name`);

  const email = value("email").toLowerCase();
  if (!email) throw new Error(`no email for "${fullName}": cannot tell whether it is already imported`);
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new Error(`email "${email}" is not an email address`);

  return {
    firstName,
    lastName,
    email,
    phone: value("phone") || null,
    address: value("address"),
    comments: ["Imported from the legacy CRM", value("notes")].filter(Boolean).join(": "),
  };
}

/** A CSV line → an object keyed by LEGACY_COLUMNS. */
function fromCsvLine(line) {
  const cells = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      cells.push(cell);
      cell = "";
    } else cell += ch;
  }
  if (quoted) throw new Error("a quoted field is not closed");
  cells.push(cell);
  if (cells.length > LEGACY_COLUMNS.length) throw new Error(`${cells.length} fields, expected at most ${LEGACY_COLUMNS.length} (${LEGACY_COLUMNS.join(", ")})`);
  return Object.fromEntries(LEGACY_COLUMNS.map((column, i) => [column, cells[i] ?? ""]));
}
