// The entities scripts may read and write, and what each field is.
import { clients, expenses, moneyAccounts, payments, transactions } from "../../../db/business.ts";
import type { FieldSpec } from "./fields.ts";

export interface EntitySpec {
  /** The SDK's name: `ctx.sdk.<name>`. */
  name: string;
  /** The domain events a write publishes: `<event>.created`, `<event>.updated`. */
  event: string;
  table: typeof clients | typeof moneyAccounts | typeof payments | typeof expenses | typeof transactions;
  fields: Record<string, FieldSpec>;
  /** Fields a list may filter on by equality. */
  filters: string[];
  /** The date column `since`/`until` filter on, if any. */
  dateField?: string;
}

const money = (column: string, required = true): FieldSpec => ({ column, kind: "money", required });
const text = (column: string, required = false, max?: number): FieldSpec => ({ column, kind: "text", required, ...(max ? { max } : {}) });

const ledger = {
  amount: money("amountMinor"),
  currency: { column: "currency", kind: "currency", required: true },
  transactionDate: { column: "transactionDate", kind: "date", required: true },
  accountingPeriod: { column: "accountingPeriod", kind: "period", required: true },
  comment: text("comment"),
} satisfies Record<string, FieldSpec>;

export const entities: Record<string, EntitySpec> = {
  clients: {
    name: "clients",
    event: "client",
    table: clients,
    fields: {
      firstName: text("firstName", true, 200),
      lastName: text("lastName", false, 200),
      middleName: text("middleName", false, 200),
      email: { column: "email", kind: "email" },
      phone: { column: "phone", kind: "phone" },
      address: text("address", false, 500),
      comments: text("comments"),
    },
    filters: ["email", "phone", "lastName"],
  },
  accounts: {
    name: "accounts",
    event: "money_account",
    table: moneyAccounts,
    fields: {
      name: text("name", true, 200),
      number: text("accountNumber", false, 64),
      balance: money("balanceMinor", false),
      currency: { column: "currency", kind: "currency", required: true },
    },
    filters: ["currency", "name"],
  },
  payments: {
    name: "payments",
    event: "payment",
    table: payments,
    fields: {
      ...ledger,
      counterparty: text("counterparty", false, 200),
      category: text("category", false, 100),
      accountId: { column: "accountId", kind: "ref" },
    },
    filters: ["category", "currency", "counterparty", "accountId", "accountingPeriod"],
    dateField: "transactionDate",
  },
  expenses: {
    name: "expenses",
    event: "expense",
    table: expenses,
    fields: { ...ledger, category: text("category", false, 100), accountId: { column: "accountId", kind: "ref" } },
    filters: ["category", "currency", "accountId", "accountingPeriod"],
    dateField: "transactionDate",
  },
  transactions: {
    name: "transactions",
    event: "transaction",
    table: transactions,
    fields: {
      ...ledger,
      type: { column: "type", kind: { enum: ["deposit", "transfer", "exchange"] }, required: true },
      originAccountId: { column: "originAccountId", kind: "ref" },
      destinationAccountId: { column: "destinationAccountId", kind: "ref" },
    },
    filters: ["type", "currency", "originAccountId", "destinationAccountId", "accountingPeriod"],
    dateField: "transactionDate",
  },
};
