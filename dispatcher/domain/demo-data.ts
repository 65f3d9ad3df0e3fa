// A small demo dataset for the `default` tenant, written on the first start of an empty
// database, so the README's examples and a new user's first scripts have data to work with.
import type { Database } from "../../db/open-remote.ts";
import { clients, expenses, moneyAccounts, payments, transactions } from "../../db/business.ts";
import { newId } from "./secrets.ts";

/** The statements that write it, to run in the same transaction as the tenant they belong to. */
export function demoData(db: Database, tenantId: string) {
  const operating = newId("mone");
  const savings = newId("mone");
  const month = new Date().toISOString().slice(0, 7);
  const day = (d: number) => `${month}-${String(d).padStart(2, "0")}`;
  return [
    db.insert(moneyAccounts).values([
      { id: operating, tenantId, name: "Operating account", accountNumber: "DE02 1203 0000 0000 2020 51", balanceMinor: 1_254_000, currency: "EUR" },
      { id: savings, tenantId, name: "Reserve", accountNumber: "DE89 3704 0044 0532 0130 00", balanceMinor: 5_000_000, currency: "EUR" },
    ]),
    db.insert(clients).values([
      {
        id: newId("clie"),
        tenantId,
        firstName: "Ada",
        lastName: "Lovelace",
        email: "ada@example.com",
        phone: "+44 20 7946 0001",
        address: "12 St James's Square, London",
      },
      { id: newId("clie"), tenantId, firstName: "Grace", lastName: "Hopper", email: "grace@example.com", phone: "+1 212 555 0100", address: "New York, NY" },
      { id: newId("clie"), tenantId, firstName: "Alan", lastName: "Turing", middleName: "Mathison", email: "alan@example.com", comments: "prefers email" },
    ]),
    db.insert(payments).values([
      {
        id: newId("paym"),
        tenantId,
        amountMinor: 120_000,
        currency: "EUR",
        transactionDate: day(2),
        accountingPeriod: month,
        counterparty: "Ada Lovelace",
        category: "consulting",
        accountId: operating,
      },
      {
        id: newId("paym"),
        tenantId,
        amountMinor: 45_050,
        currency: "EUR",
        transactionDate: day(5),
        accountingPeriod: month,
        counterparty: "Grace Hopper",
        category: "licences",
        accountId: operating,
      },
    ]),
    db.insert(expenses).values([
      {
        id: newId("expe"),
        tenantId,
        amountMinor: 9_900,
        currency: "EUR",
        transactionDate: day(3),
        accountingPeriod: month,
        category: "software",
        comment: "monthly tools",
        accountId: operating,
      },
    ]),
    db.insert(transactions).values([
      {
        id: newId("tran"),
        tenantId,
        amountMinor: 500_000,
        currency: "EUR",
        type: "transfer",
        originAccountId: operating,
        destinationAccountId: savings,
        transactionDate: day(1),
        accountingPeriod: month,
        comment: "monthly reserve",
      },
      {
        id: newId("tran"),
        tenantId,
        amountMinor: 120_000,
        currency: "EUR",
        type: "deposit",
        destinationAccountId: operating,
        transactionDate: day(2),
        accountingPeriod: month,
      },
    ]),
  ] as const;
}
