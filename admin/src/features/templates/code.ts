// The templates' code: the files in examples/ themselves, bundled as text by Vite, so the
// admin offers exactly what test/e2e/examples.test.ts runs and there is one copy of each.
import legacyClientsImport from "../../../../examples/legacy-clients-import.js?raw";
import nightlyTransactionsExport from "../../../../examples/nightly-transactions-export.js?raw";
import paymentReceiptEmail from "../../../../examples/payment-receipt-email.js?raw";
import pricingRule from "../../../../examples/pricing-rule.js?raw";
import signupWebhook from "../../../../examples/signup-webhook.js?raw";

export const templateCode: Record<string, string> = {
  "nightly-transactions-export": nightlyTransactionsExport,
  "signup-webhook": signupWebhook,
  "payment-receipt-email": paymentReceiptEmail,
  "legacy-clients-import": legacyClientsImport,
  "pricing-rule": pricingRule,
};
