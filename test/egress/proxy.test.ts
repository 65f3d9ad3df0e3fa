// The egress proxy on real sockets. A recording server on 127.0.0.1 stands for everything a
// script must never reach and counts every TCP connection it gets: it must end with zero. An
// allowed fixture on 127.0.0.1 (opened by the operator's list for its port only) and a
// "public" stand-in on 127.0.0.2 (opened by CIDR) play the internet. Names are answered by a
// stand-in resolver that fails for anything unknown, so no test ever asks real DNS or leaves
// loopback.
import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startEgressProxy, type EgressProxy, type EgressRecord, type TenantEgressPolicy } from "../../host/egress/index.ts";
import type { ResolvedAddress } from "../../host/egress/policy.ts";
import { close, fixtureHandler, listen, Recorder, selfSignedCertificate, through, tlsFixture, type SendInit } from "./support.ts";

const recorder = new Recorder();
const recorder6 = new Recorder();
const fixtureHits: string[] = [];
const fixture = createServer(fixtureHandler(fixtureHits));
const standInHits: { host: string; url: string; authorization?: string }[] = [];
const standIn = createServer((req, res) => {
  standInHits.push({ host: req.headers.host ?? "", url: req.url ?? "", authorization: req.headers.authorization });
  res.end("public stand-in");
});
const tls = selfSignedCertificate("secure.test");
const secure: Server | null = tls && tlsFixture(tls);

const lookups: string[] = [];
let rebindAnswers = 0;
async function resolve(name: string): Promise<ResolvedAddress[]> {
  lookups.push(name);
  const host = name.replace(/\.$/, ""); // as a real resolver reads `intranet.test.`
  const v4 = (address: string) => ({ address, family: 4 });
  if (host === "intranet.test" || host === "secure.test" || host === "wrong.test") return [v4("127.0.0.1")];
  if (host === "mixed.test") return [v4("127.0.0.2"), v4("127.0.0.1")];
  if (host === "v6.test") return [{ address: "::1", family: 6 }];
  // A rebinding name: harmless on the first answer, loopback on every answer after it.
  if (host === "rebind.test") return [v4(rebindAnswers++ === 0 ? "127.0.0.2" : "127.0.0.1")];
  if (host.endsWith(".test")) return [v4("127.0.0.2")];
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
}

const policies: Record<string, TenantEgressPolicy> = {
  "t-allow": { allow: ["api.partner.test"] },
  "t-deny": { deny: ["*.evil.test"] },
};

const records: EgressRecord[] = [];
let proxy: EgressProxy;
let R: number; // the recorder's port, on 127.0.0.1 and, for the stand-in, on 127.0.0.2 too
let R6: number;
let F: number;
let S: number;
let executions = 0;

beforeAll(async () => {
  R = await listen(recorder.server, "127.0.0.1");
  await listen(standIn, "127.0.0.2", R);
  R6 = await listen(recorder6.server, "::1");
  F = await listen(fixture, "127.0.0.1");
  S = secure ? await listen(secure, "127.0.0.1") : 0;
  proxy = await startEgressProxy({
    operatorAllow: `127.0.0.1:${F}, 127.0.0.2/32, secure.test:${S || 1}, 127.0.0.1:${S || 1}`,
    tenantPolicy: async (tenantId) => {
      if (tenantId === "t-broken") throw new Error("policy store down");
      return policies[tenantId] ?? {};
    },
    onRecord: (record) => records.push(record),
    resolve,
    ca: tls?.cert,
    limits: { maxResponseBytes: 64 * 1024, maxRequestBytes: 64 * 1024, maxRequestsPerExecution: 5, timeoutMs: 1000 },
  });
});

afterAll(async () => {
  await proxy?.close();
  await Promise.all([recorder.server, recorder6.server, fixture, standIn, ...(secure ? [secure] : [])].map(close));
});

/** A fetch from a fresh execution of tenant `t-open`, unless told otherwise. */
function fetchAs(url: string, init: SendInit & { tenant?: string; execution?: string } = {}) {
  const execution = init.execution ?? `exec-${++executions}`;
  const headers = { "x-iota-tenant": init.tenant ?? "t-open", "x-iota-execution": execution, ...init.headers };
  return through(proxy.port, url, { ...init, headers }).then((sent) => ({ ...sent, execution, records: records.filter((r) => r.executionId === execution) }));
}

function expectRefused(sent: { status: number; headers: Record<string, unknown>; json: any }, code: string, message?: string | RegExp) {
  expect(sent.status).toBe(403);
  expect(sent.headers["x-iota-egress-refused"]).toBe("1");
  expect(sent.json.error.code).toBe(code);
  if (message !== undefined) expect(sent.json.error.message).toMatch(message);
}

describe("an allowed request", () => {
  test("passes through with its method, headers (minus x-iota-*), body and status, and is recorded", async () => {
    const sent = await fetchAs(`http://127.0.0.1:${F}/echo?token=s3cret`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-custom": "kept", authorization: "Bearer abc", "x-iota-internal": "hidden" },
      body: JSON.stringify({ hello: "world" }),
    });
    expect(sent.status).toBe(200);
    expect(sent.json.method).toBe("POST");
    expect(sent.json.url).toBe("/echo?token=s3cret");
    expect(sent.json.body).toBe('{"hello":"world"}');
    expect(sent.json.headers).toMatchObject({ host: `127.0.0.1:${F}`, "x-custom": "kept", authorization: "Bearer abc", "content-type": "application/json" });
    expect(Object.keys(sent.json.headers).filter((name) => name.startsWith("x-iota"))).toEqual([]);
    expect(sent.records).toEqual([
      {
        executionId: sent.execution,
        tenantId: "t-open",
        method: "POST",
        url: `http://127.0.0.1:${F}/echo`,
        host: "127.0.0.1",
        status: 200,
        bytes: Buffer.byteLength(sent.text),
        ms: expect.any(Number),
        hop: 0,
      },
    ]);
  });

  test("keeps the upstream's status, reason and repeated headers, and drops its hop-by-hop ones", async () => {
    const sent = await fetchAs(`http://127.0.0.1:${F}/status?code=418`);
    expect([sent.status, sent.statusText, sent.text]).toEqual([418, "Custom Reason", "teapot body"]);
    expect(sent.headers["set-cookie"]).toEqual(["a=1", "b=2"]);
    expect(sent.headers["x-upstream"]).toBe("yes");
    expect(sent.headers["x-private-hop"]).toBeUndefined();
    expect(sent.headers["x-iota-egress-refused"]).toBeUndefined();
  });

  test("HEAD keeps the upstream's length; an Upgrade is not passed on", async () => {
    const head = await fetchAs(`http://127.0.0.1:${F}/big?n=1234`, { method: "HEAD" });
    expect([head.status, head.headers["content-length"], head.text]).toEqual([200, "1234", ""]);
    const upgrade = await fetchAs(`http://127.0.0.1:${F}/echo`, {
      headers: { connection: "Upgrade, x-secret-hop", upgrade: "websocket", "x-secret-hop": "1" },
    });
    expect(upgrade.status).toBe(200);
    expect(upgrade.json.headers).not.toHaveProperty("upgrade");
    expect(upgrade.json.headers).not.toHaveProperty("x-secret-hop");
  });

  test("may name its URL in x-iota-target instead of the request line", async () => {
    const sent = await fetchAs(`http://127.0.0.1:${F}/echo`, { viaHeader: true });
    expect(sent.status).toBe(200);
    expect(sent.json.headers["x-iota-target"]).toBeUndefined();
  });

  test("to a name connects to the address that name was checked at, with the name as Host", async () => {
    const before = standInHits.length;
    const sent = await fetchAs(`http://public.test:${R}/hello`);
    expect(sent.text).toBe("public stand-in");
    expect(standInHits.slice(before)).toEqual([{ host: `public.test:${R}`, url: "/hello", authorization: undefined }]);
  });

  test.skipIf(!secure)("over https checks the certificate against the name, not the address", async () => {
    const ok = await fetchAs(`https://secure.test:${S}/`);
    expect(ok.text).toBe(`secure hello to secure.test:${S}`);
    const wrong = await fetchAs(`https://wrong.test:${S}/`);
    expectRefused(wrong, "EGRESS_FAILED", `fetch to https://wrong.test:${S}/ failed: its TLS certificate was not accepted (ERR_TLS_CERT_ALTNAME_INVALID)`);
  });

  test("that the upstream refuses says so", async () => {
    const gone = createServer();
    const port = await listen(gone, "127.0.0.2");
    await close(gone);
    expectRefused(
      await fetchAs(`http://public.test:${port}/`),
      "EGRESS_FAILED",
      `fetch to http://public.test:${port}/ failed: the server refused the connection`,
    );
  });
});

describe("a blocked request never reaches the recorder", () => {
  const direct = () => [
    `http://127.0.0.1:${R}/`,
    `http://127.1:${R}/`,
    `http://0x7f.1:${R}/`,
    `http://0x7f000001:${R}/`,
    `http://2130706433:${R}/`,
    `http://017700000001:${R}/`,
    `http://0177.0.0.1:${R}/`,
    `http://127.0.0.1.:${R}/`,
    `http://%31%32%37.0.0.1:${R}/`,
    `http://0:${R}/`,
    `http://0.0.0.0:${R}/`,
    `http://localhost:${R}/`,
    `http://localhost.:${R}/`,
    `http://LOCALHOST:${R}/`,
    `http://[::ffff:127.0.0.1]:${R}/`,
    `http://[0:0:0:0:0:ffff:7f00:1]:${R}/`,
    `http://[::]:${R}/`,
    `http://[::1]:${R6}/`,
    `https://127.0.0.1:${R}/`,
    `http://intranet.test:${R}/`,
    `http://intranet.test.:${R}/`,
    `http://v6.test:${R6}/`,
    `http://mixed.test:${R}/`,
  ];

  test("spelled any way, or behind a name", async () => {
    for (const url of direct()) {
      const sent = await fetchAs(url);
      expectRefused(sent, "EGRESS_BLOCKED", /^fetch to .+ refused: .+/);
      expect(sent.records).toMatchObject([{ status: null, bytes: 0, refused: "EGRESS_BLOCKED" }]);
    }
    expect(recorder.connections + recorder6.connections).toBe(0);
    expect(standInHits.filter((h) => h.host.startsWith("mixed.test"))).toEqual([]);
  });

  test("with a second host hidden in userinfo", async () => {
    for (const url of [`http://evil@127.0.0.1:${R}/`, `http://public.test@127.0.0.1:${R}/`, `http://127.0.0.1:${R}@public.test:${R}/`]) {
      expectRefused(await fetchAs(url), "EGRESS_BAD_URL", /URLs with credentials/);
    }
    expect(recorder.connections).toBe(0);
  });

  test("when DNS rebinds: one lookup per request, and the connection goes where it pointed", async () => {
    const before = standInHits.length;
    const seen = lookups.length;
    const first = await fetchAs(`http://rebind.test:${R}/`);
    expect(first.text).toBe("public stand-in");
    expect(lookups.slice(seen)).toEqual(["rebind.test"]);
    expect(standInHits.slice(before)).toMatchObject([{ host: `rebind.test:${R}` }]);
    // The next request asks again, gets loopback, and is refused before connecting.
    const second = await fetchAs(`http://rebind.test:${R}/`);
    expectRefused(second, "EGRESS_BLOCKED", `fetch to http://rebind.test:${R}/ refused: rebind.test resolves to 127.0.0.1, a loopback address (127.0.0.0/8)`);
    expect(lookups.slice(seen)).toEqual(["rebind.test", "rebind.test"]);
    expect(recorder.connections).toBe(0);
  });

  test("when an allowed server redirects to it, however the Location is written", async () => {
    const targets = [
      `http://127.0.0.1:${R}/`,
      `http://0x7f.1:${R}/`,
      `//127.0.0.1:${R}/`,
      `http://localhost:${R}/`,
      `http://intranet.test:${R}/`,
      `http://[::1]:${R6}/`,
      `http://[::ffff:127.0.0.1]:${R}/`,
      `http://169.254.169.254/latest/meta-data/`,
    ];
    for (const status of [301, 302, 303, 307, 308]) {
      for (const to of targets) {
        const sent = await fetchAs(`http://127.0.0.1:${F}/redirect?status=${status}&to=${encodeURIComponent(to)}`);
        expectRefused(sent, "EGRESS_BLOCKED", new RegExp(`\\(redirected from http://127\\.0\\.0\\.1:${F}/redirect\\)$`));
        expect(sent.records.map((r) => [r.hop, r.status, r.refused])).toEqual([
          [0, status, undefined],
          [1, null, "EGRESS_BLOCKED"],
        ]);
      }
    }
    expect(recorder.connections + recorder6.connections).toBe(0);
  });

  test("when a redirect leaves http and https", async () => {
    const sent = await fetchAs(`http://127.0.0.1:${F}/redirect?to=${encodeURIComponent("file:///etc/passwd")}`);
    expectRefused(
      sent,
      "EGRESS_BAD_URL",
      `fetch to file:///etc/passwd refused: only http and https are allowed, not file (redirected from http://127.0.0.1:${F}/redirect)`,
    );
  });

  test("through a CONNECT tunnel", async () => {
    const answer = await new Promise<string>((done, fail) => {
      const socket = connect(proxy.port, "127.0.0.1", () => socket.write(`CONNECT 127.0.0.1:${R} HTTP/1.1\r\nhost: 127.0.0.1:${R}\r\n\r\n`));
      let text = "";
      socket.on("data", (chunk) => (text += chunk));
      socket.on("end", () => done(text));
      socket.on("error", fail);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 403 /);
    expect(answer).toContain("x-iota-egress-refused: 1");
    expect(recorder.connections).toBe(0);
  });
});

describe("redirects that are allowed", () => {
  test("303 turns a POST into a GET without its body; 307 keeps both", async () => {
    const to = encodeURIComponent(`http://127.0.0.1:${F}/echo`);
    const seeOther = await fetchAs(`http://127.0.0.1:${F}/redirect?status=303&to=${to}`, { method: "POST", body: "payload" });
    expect([seeOther.json.method, seeOther.json.body]).toEqual(["GET", ""]);
    const temporary = await fetchAs(`http://127.0.0.1:${F}/redirect?status=307&to=${to}`, { method: "POST", body: "payload" });
    expect([temporary.json.method, temporary.json.body]).toEqual(["POST", "payload"]);
    expect(temporary.records.map((r) => [r.hop, r.method, r.status])).toEqual([
      [0, "POST", 307],
      [1, "POST", 200],
    ]);
  });

  test("to another origin leave the credentials behind", async () => {
    const before = standInHits.length;
    const to = encodeURIComponent(`http://public.test:${R}/landing`);
    const sent = await fetchAs(`http://127.0.0.1:${F}/redirect?status=307&to=${to}`, { headers: { authorization: "Bearer abc" } });
    expect(sent.text).toBe("public stand-in");
    expect(standInHits.slice(before)).toEqual([{ host: `public.test:${R}`, url: "/landing", authorization: undefined }]);
  });

  test("stop at five hops, and at a loop", async () => {
    expect((await fetchAs(`http://127.0.0.1:${F}/chain/5`)).text).toBe("end of chain");
    expectRefused(await fetchAs(`http://127.0.0.1:${F}/chain/6`), "EGRESS_LIMIT", /refused: more than 5 redirects/);
    const loop = await fetchAs(`http://127.0.0.1:${F}/loop/a`);
    expectRefused(
      loop,
      "EGRESS_LIMIT",
      `fetch to http://127.0.0.1:${F}/loop/a refused: the redirects loop back to this URL (redirected from http://127.0.0.1:${F}/loop/b)`,
    );
    expect(loop.records.map((r) => r.hop)).toEqual([0, 1, 2]);
  });
});

describe("caps", () => {
  test("a response over the size cap is refused, whether or not it declares its length", async () => {
    expect((await fetchAs(`http://127.0.0.1:${F}/big?n=${60 * 1024}`)).text.length).toBe(60 * 1024);
    expectRefused(await fetchAs(`http://127.0.0.1:${F}/big?n=${70 * 1024}`), "EGRESS_TOO_LARGE", /the response is 71680 bytes, over the 65536 byte limit/);
    const chunked = await fetchAs(`http://127.0.0.1:${F}/big?n=${70 * 1024}&chunked=1`);
    expectRefused(chunked, "EGRESS_TOO_LARGE", /the response is over the 65536 byte limit/);
    expect(chunked.records[0]!.bytes).toBeGreaterThan(64 * 1024);
  });

  test("a request body over the cap is refused before anything is sent", async () => {
    const before = fixtureHits.length;
    const sent = await fetchAs(`http://127.0.0.1:${F}/echo`, { method: "POST", body: Buffer.alloc(70 * 1024, "y") });
    expectRefused(sent, "EGRESS_TOO_LARGE", /the request body is over the 65536 byte limit/);
    expect(fixtureHits.length).toBe(before);
  });

  test("an execution may make five requests; the sixth is refused, other executions are not affected", async () => {
    const url = `http://127.0.0.1:${F}/echo`;
    for (let i = 0; i < 5; i++) expect((await fetchAs(url, { execution: "busy" })).status).toBe(200);
    expectRefused(await fetchAs(url, { execution: "busy" }), "EGRESS_LIMIT", `fetch to ${url} refused: this execution has used its 5 requests`);
    // Refused attempts count too, so a loop over blocked URLs also runs out.
    expectRefused(await fetchAs(`http://127.0.0.1:${R}/`, { execution: "busy" }), "EGRESS_LIMIT");
    expect((await fetchAs(url, { execution: "calm" })).status).toBe(200);
    proxy.forget("busy");
    expect((await fetchAs(url, { execution: "busy" })).status).toBe(200);
    expect(recorder.connections).toBe(0);
  });

  test("an upstream that does not answer in time, or stops halfway, times out", async () => {
    const started = Date.now();
    const silent = await fetchAs(`http://127.0.0.1:${F}/slow`);
    expectRefused(silent, "EGRESS_TIMEOUT", `fetch to http://127.0.0.1:${F}/slow failed: no complete response within 1000 ms`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeLessThan(3000);
    const stalled = await fetchAs(`http://127.0.0.1:${F}/stall`);
    expectRefused(stalled, "EGRESS_TIMEOUT");
    expect(stalled.records).toMatchObject([{ status: 200, refused: "EGRESS_TIMEOUT" }]);
  });
});

describe("a tenant's lists", () => {
  test("an allow list admits only its hosts", async () => {
    const before = standInHits.length;
    expect((await fetchAs(`http://api.partner.test:${R}/`, { tenant: "t-allow" })).text).toBe("public stand-in");
    expectRefused(
      await fetchAs(`http://public.test:${R}/`, { tenant: "t-allow" }),
      "EGRESS_BLOCKED",
      "fetch to http://public.test:" + R + "/ refused: public.test is not on this tenant's allow list",
    );
    expect(standInHits.length).toBe(before + 1);
  });

  test("a deny list refuses its hosts, including after a redirect", async () => {
    expectRefused(
      await fetchAs(`http://x.evil.test:${R}/`, { tenant: "t-deny" }),
      "EGRESS_BLOCKED",
      /x\.evil\.test is on this tenant's deny list \(\*\.evil\.test\)/,
    );
    const to = encodeURIComponent(`http://www.evil.test:${R}/`);
    expectRefused(await fetchAs(`http://127.0.0.1:${F}/redirect?to=${to}`, { tenant: "t-deny" }), "EGRESS_BLOCKED", /deny list/);
    expect((await fetchAs(`http://public.test:${R}/`, { tenant: "t-deny" })).status).toBe(200);
  });

  test("a policy that cannot be read refuses, without saying why inside", async () => {
    expectRefused(await fetchAs(`http://public.test:${R}/`, { tenant: "t-broken" }), "EGRESS_FAILED", /failed: this tenant's egress policy could not be read$/);
  });
});

describe("requests not from the platform", () => {
  test("without a tenant or an execution are refused and not recorded", async () => {
    const count = records.length;
    const sent = await through(proxy.port, `http://127.0.0.1:${F}/echo`, { headers: { "x-iota-tenant": "t-open" } });
    expectRefused(sent, "EGRESS_BLOCKED", /did not say which tenant and execution/);
    expect(records.length).toBe(count);
  });

  test("without the secret, when one is set, are refused", async () => {
    const guarded = await startEgressProxy({ secret: "s3cret", operatorAllow: `127.0.0.1:${F}`, resolve });
    try {
      const ids = { "x-iota-tenant": "t", "x-iota-execution": "e" };
      expectRefused(await through(guarded.port, `http://127.0.0.1:${F}/echo`, { headers: { ...ids, "x-iota-egress-secret": "wrong" } }), "EGRESS_BLOCKED");
      const ok = await through(guarded.port, `http://127.0.0.1:${F}/echo`, { headers: { ...ids, "x-iota-egress-secret": "s3cret" } });
      expect(ok.status).toBe(200);
      expect(ok.json.headers["x-iota-egress-secret"]).toBeUndefined();
    } finally {
      await guarded.close();
    }
  });
});

test("after everything above, the recorder has never been reached", () => {
  expect(recorder.connections).toBe(0);
  expect(recorder6.connections).toBe(0);
  expect(recorder.requests).toEqual([]);
});
