// The shared suite against the Cloudflare build (`npm run start:cloudflare`: wrangler dev on D1).
import { sharedSuite } from "./suite.ts";

sharedSuite("cloudflare");
