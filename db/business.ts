// The platform's business entities that scripts reach through the SDK, shaped like IOTA SDK's
// own (CRM clients, finance payments, expenses, transactions, money accounts), every row
// belonging to a tenant. Money is stored in minor units (cents) beside its ISO currency.
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { tenants } from "./schema.ts";

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`;
const owned = () =>
  text("tenant_id")
    .notNull()
    .references(() => tenants.id);
const stamps = () => ({
  createdAt: text("created_at").notNull().default(now),
  updatedAt: text("updated_at").notNull().default(now),
});

export const clients = sqliteTable(
  "clients",
  {
    id: text("id").primaryKey(),
    tenantId: owned(),
    firstName: text("first_name").notNull(),
    lastName: text("last_name").notNull().default(""),
    middleName: text("middle_name").notNull().default(""),
    email: text("email"),
    phone: text("phone"),
    address: text("address").notNull().default(""),
    comments: text("comments").notNull().default(""),
    ...stamps(),
  },
  (t) => [index("clients_tenant").on(t.tenantId, t.createdAt)],
);

export const moneyAccounts = sqliteTable(
  "money_accounts",
  {
    id: text("id").primaryKey(),
    tenantId: owned(),
    name: text("name").notNull(),
    accountNumber: text("account_number").notNull().default(""),
    balanceMinor: integer("balance_minor").notNull().default(0),
    currency: text("currency").notNull(),
    ...stamps(),
  },
  (t) => [index("money_accounts_tenant").on(t.tenantId, t.createdAt)],
);

export const payments = sqliteTable(
  "payments",
  {
    id: text("id").primaryKey(),
    tenantId: owned(),
    amountMinor: integer("amount_minor").notNull(),
    currency: text("currency").notNull(),
    transactionDate: text("transaction_date").notNull(),
    accountingPeriod: text("accounting_period").notNull(),
    counterparty: text("counterparty").notNull().default(""),
    category: text("category").notNull().default(""),
    comment: text("comment").notNull().default(""),
    accountId: text("account_id"),
    ...stamps(),
  },
  (t) => [index("payments_tenant_date").on(t.tenantId, t.transactionDate)],
);

export const expenses = sqliteTable(
  "expenses",
  {
    id: text("id").primaryKey(),
    tenantId: owned(),
    amountMinor: integer("amount_minor").notNull(),
    currency: text("currency").notNull(),
    transactionDate: text("transaction_date").notNull(),
    accountingPeriod: text("accounting_period").notNull(),
    category: text("category").notNull().default(""),
    comment: text("comment").notNull().default(""),
    accountId: text("account_id"),
    ...stamps(),
  },
  (t) => [index("expenses_tenant_date").on(t.tenantId, t.transactionDate)],
);

export const transactions = sqliteTable(
  "transactions",
  {
    id: text("id").primaryKey(),
    tenantId: owned(),
    amountMinor: integer("amount_minor").notNull(),
    currency: text("currency").notNull(),
    type: text("type", { enum: ["deposit", "transfer", "exchange"] }).notNull(),
    originAccountId: text("origin_account_id"),
    destinationAccountId: text("destination_account_id"),
    transactionDate: text("transaction_date").notNull(),
    accountingPeriod: text("accounting_period").notNull(),
    comment: text("comment").notNull().default(""),
    ...stamps(),
  },
  (t) => [index("transactions_tenant_date").on(t.tenantId, t.transactionDate)],
);

/** Script state: a per-tenant key-value store with optional expiry. */
export const kvEntries = sqliteTable(
  "kv_entries",
  {
    tenantId: owned(),
    key: text("key").notNull(),
    value: text("value").notNull(),
    expiresAt: text("expires_at"),
    updatedAt: text("updated_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.key] })],
);
