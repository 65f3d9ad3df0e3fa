// The shared suite against the local build (`npm start`: the host, its dispatcher and runners).
import { sharedSuite } from "./suite.ts";

sharedSuite("local");
