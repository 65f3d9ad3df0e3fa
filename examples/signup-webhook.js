// Sign-up webhook → new client
// ============================
// Your website (or a form service) calls this endpoint when someone signs up. The script checks
// that the request really comes from it (an HMAC signature the platform verifies before the
// script runs), validates the JSON, and creates the person as a client.
//
// Settings:
//   kind:       http
//   path:       /webhooks/signup
//   methods:    ["POST"]
//   access:     hmac
//   hmacSecret: SIGNUP_WEBHOOK_SECRET
//
// Secrets:
//   SIGNUP_WEBHOOK_SECRET  shared with the sender. It signs each request with
//                          x-signature: <hex HMAC-SHA256 of the raw body>   ("sha256=<hex>" works too)
//                          A request without a valid signature is answered 401 and never reaches
//                          this code.
//
// URL: https://<platform>/api/tenants/<your-tenant>/scripts/webhooks/signup
//      (or /api/scripts/webhooks/signup on one of your tenant's own domains)
//
// Request body (JSON):
//   { "firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com",
//     "phone": "+44 20 7946 0000", "source": "pricing-page" }
//   firstName and email are required; the rest is optional.
//
// Answers:
//   201 { "id": "clie_…", "created": true }     a new client
//   200 { "id": "clie_…", "created": false }    a client with this email already exists (senders
//                                               retry webhooks, so a repeat is not an error)
//   400 { "error": { "code": "BAD_JSON", … } }  the body is not a JSON object
//   422 { "error": { "code": "VALIDATION_FAILED", "field": "email", "message": "…" } }

const MAX_NAME = 200;

export default async function (request, ctx) {
  let body;
  try {
    body = await request.json();
  } catch {
    return json(400, { error: { code: "BAD_JSON", message: "the body must be a JSON object" } });
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    return json(400, { error: { code: "BAD_JSON", message: "the body must be a JSON object" } });
  }

  const problem = validate(body);
  if (problem) {
    ctx.log.warn(`refused sign-up: ${problem.message}`);
    return json(422, { error: { code: "VALIDATION_FAILED", field: problem.field, message: problem.message } });
  }

  // Emails are compared in lower case, so "Ada@Example.com" and "ada@example.com" are one person.
  const email = body.email.trim().toLowerCase();
  const existing = await ctx.sdk.clients.list({ where: { email }, limit: 1 });
  if (existing.items.length > 0) {
    ctx.log.info(`sign-up for ${email}: already client ${existing.items[0].id}`);
    return json(200, { id: existing.items[0].id, created: false });
  }

  let client;
  try {
    client = await ctx.sdk.clients.create({
      firstName: body.firstName.trim(),
      lastName: body.lastName?.trim() ?? "",
      email,
      phone: body.phone?.trim() || null,
      comments: `Signed up through the website${body.source ? ` (${body.source})` : ""}`,
    });
  } catch (error) {
    // The platform checks the values too (e.g. an email it does not accept): still the sender's fault.
    if (error.code === "VALIDATION_FAILED") {
      const field = /^clients\.(\w+)/.exec(error.message)?.[1];
      return json(422, { error: { code: "VALIDATION_FAILED", ...(field ? { field } : {}), message: error.message } });
    }
    throw error; // anything else is ours: a 500 naming the execution, and a red line in history
  }
  ctx.log.info(`sign-up for ${email}: created client ${client.id}`);
  return json(201, { id: client.id, created: true });
}

/** The first problem with the body, as { field, message }, or null when it is fine. */
function validate(body) {
  const text = (field, { required = false, max = MAX_NAME } = {}) => {
    const value = body[field];
    if (value === undefined || value === null) return required ? { field, message: `${field} is required` } : null;
    if (typeof value !== "string") return { field, message: `${field} must be a string` };
    if (required && value.trim() === "") return { field, message: `${field} must not be empty` };
    if (value.length > max) return { field, message: `${field} must be at most ${max} characters` };
    return null;
  };
  const problem =
    text("firstName", { required: true }) ??
    text("lastName") ??
    text("email", { required: true, max: 254 }) ??
    text("phone", { max: 32 }) ??
    text("source", { max: 100 });
  if (problem) return problem;
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(body.email.trim())) return { field: "email", message: "email must be an email address" };
  if (body.phone && !/^\+?[0-9 ()\-.]{5,}$/.test(body.phone.trim())) return { field: "phone", message: "phone must be a phone number, like +44 20 7946 0000" };
  return null;
}

function json(status, value) {
  return new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json" } });
}
