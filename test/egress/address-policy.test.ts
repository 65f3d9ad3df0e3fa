// Every spelling of a forbidden address that a URL parser accepts is refused, and public hosts
// are not. Nothing here connects anywhere: the decision is asserted, with names answered by a
// stand-in resolver, so "public" hosts never see a packet from these tests.
import { describe, expect, test } from "vitest";
import type { OperatorEntry, TenantEgressPolicy } from "../../host/egress/allow-lists.ts";
import { parseOperatorAllow } from "../../host/egress/allow-lists.ts";
import { decide, type Decision, type ResolvedAddress } from "../../host/egress/policy.ts";
import { parseTarget } from "../../host/egress/target.ts";

const publicV4 = "93.184.215.14";
const dns: Record<string, ResolvedAddress[] | Error> = {
  "metadata.google.internal": [{ address: "169.254.169.254", family: 4 }],
  "intranet.example": [{ address: "10.1.2.3", family: 4 }],
  "mixed.example": [
    { address: publicV4, family: 4 },
    { address: "192.168.0.10", family: 4 },
  ],
  "v6-loopback.example": [{ address: "::1", family: 6 }],
  "mapped.example": [{ address: "::ffff:127.0.0.1", family: 6 }],
  "ula.example": [{ address: "fd00:ec2::254", family: 6 }],
  "garbage.example": [{ address: "not-an-address", family: 4 }],
  "empty.example": [],
  "nxdomain.example": Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" }),
  "dual.example": [
    { address: "2606:4700:4700::1111", family: 6 },
    { address: publicV4, family: 4 },
  ],
};

async function resolve(host: string): Promise<ResolvedAddress[]> {
  const answer = dns[host];
  if (answer instanceof Error) throw answer;
  return answer ?? [{ address: publicV4, family: 4 }];
}

async function judge(url: string, tenant: TenantEgressPolicy = {}, operatorAllow: readonly OperatorEntry[] = []): Promise<Decision> {
  const parsed = parseTarget(url);
  if (!parsed.ok) return parsed;
  return decide(parsed.target, { operatorAllow, tenant, resolve });
}

// [url, the code it must be refused with]
const refused: [string, string][] = [
  // Loopback, in every IPv4 spelling the WHATWG parser folds to 127.0.0.1.
  ...[
    "http://127.0.0.1/",
    "http://127.1/",
    "http://127.0.1/",
    "http://0x7f.1/",
    "http://0x7f000001/",
    "http://0X7F000001/",
    "http://2130706433/",
    "http://017700000001/",
    "http://0177.0.0.1/",
    "http://00000177.0.0.1/",
    "http://0x7f.0x0.0x0.0x1/",
    "http://0x7f.0.0.1/",
    "http://127.000.000.001/",
    "http://127.0.0.1./",
    "http://127.1./",
    "http://%31%32%37.0.0.1/",
    "http://%31%32%37%2e%30%2e%30%2e%31/",
    "http://１２７.０.０.１/",
    "http://127.0.0.1:80/",
    "http://127.0.0.1:8080/",
    "https://127.0.0.1/",
    "HTTP://127.0.0.1/",
    "http://127.255.255.254/",
    "http://127.0.0.1\\@example.com/",
    "http://127.0.0.1#@example.com/",
    "http://127.0.0.1?@example.com/",
  ].map((url): [string, string] => [url, "EGRESS_BLOCKED"]),
  // Loopback by name, however it is written.
  ...[
    "http://localhost/",
    "http://localhost./",
    "http://LOCALHOST/",
    "http://LocalHost:8080/",
    "http://localhost.:80/",
    "http://%6c%6f%63%61%6c%68%6f%73%74/",
    "http://ⓛocalhost/",
    "http://ｌｏｃａｌｈｏｓｔ/",
    "http://api.localhost/",
    "http://deep.api.localhost./",
  ].map((url): [string, string] => [url, "EGRESS_BLOCKED"]),
  // "This network" and the unspecified address, which Linux treats as this machine.
  ...["http://0/", "http://00/", "http://0x0/", "http://0.0.0.0/", "http://0.0.0.0:8080/", "http://0.1.2.3/"].map((url): [string, string] => [
    url,
    "EGRESS_BLOCKED",
  ]),
  // Private, link-local/metadata, CGNAT, and the other special-purpose IPv4 ranges.
  ...[
    "http://10.0.0.5/",
    "http://10.255.255.255/",
    "http://0xa000005/",
    "http://012.0.0.5/",
    "http://167772165/",
    "http://172.16.0.1/",
    "http://172.31.255.255/",
    "http://192.168.1.1/",
    "http://3232235777/",
    "http://0xc0a80101/",
    "http://192.168.1.1./",
    "http://169.254.169.254/",
    "http://169.254.169.254/latest/meta-data/",
    "http://0xa9fea9fe/",
    "http://2852039166/",
    "http://0251.0376.0251.0376/",
    "http://169.254.0.1/",
    "http://100.64.0.1/",
    "http://100.127.255.255/",
    "http://100.100.100.200/",
    "http://192.0.0.192/",
    "http://192.0.2.1/",
    "http://198.18.0.1/",
    "http://198.19.255.255/",
    "http://198.51.100.1/",
    "http://203.0.113.1/",
    "http://192.88.99.1/",
    "http://224.0.0.1/",
    "http://239.255.255.250/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
  ].map((url): [string, string] => [url, "EGRESS_BLOCKED"]),
  // IPv6: loopback, unspecified, private, link-local, multicast, reserved, and IPv4 in disguise.
  ...[
    "http://[::1]/",
    "http://[::]/",
    "http://[0:0:0:0:0:0:0:1]/",
    "http://[0000:0000::0001]/",
    "http://[::1]:8080/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[0:0:0:0:0:ffff:7f00:1]/",
    "http://[::FFFF:127.0.0.1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[::ffff:10.0.0.1]/",
    "http://[::ffff:0.0.0.0]/",
    "http://[::ffff:0:127.0.0.1]/",
    "http://[::ffff:0:a9fe:a9fe]/",
    "http://[64:ff9b::127.0.0.1]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://[64:ff9b:1::1]/",
    "http://[2002:7f00:1::]/",
    "http://[2002:a9fe:a9fe::1]/",
    "http://[2002:c0a8:101::1]/",
    "http://[::127.0.0.1]/",
    "http://[::10.0.0.1]/",
    "http://[fc00::1]/",
    "http://[fd00:ec2::254]/",
    "http://[fe80::1]/",
    "http://[febf::1]/",
    "http://[fec0::1]/",
    "http://[ff02::1]/",
    "http://[ff05::1:3]/",
    "http://[2001:db8::1]/",
    "http://[2001::1]/",
    "http://[100::1]/",
    "http://[3fff::1]/",
    "http://[5f00::1]/",
    "http://[4000::1]/",
  ].map((url): [string, string] => [url, "EGRESS_BLOCKED"]),
  // Names that resolve somewhere forbidden: one bad answer among good ones is enough.
  ...[
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://intranet.example/",
    "http://mixed.example/",
    "http://v6-loopback.example/",
    "http://mapped.example/",
    "http://ula.example/",
    "http://garbage.example/",
  ].map((url): [string, string] => [url, "EGRESS_BLOCKED"]),
  ["http://nxdomain.example/", "EGRESS_FAILED"],
  ["http://empty.example/", "EGRESS_FAILED"],
  // Userinfo: refused outright, so no reading of the URL can find a second host in it.
  ...[
    "http://evil@127.0.0.1/",
    "http://example.com@127.0.0.1/",
    "http://127.0.0.1:80@example.com/",
    "http://127.0.0.1%2f@example.com/",
    "http://user:pass@example.com/",
    "http://:secret@example.com/",
    "http://1.1.1.1 &@127.0.0.1# @3.3.3.3/",
    "http://example.com:80@localhost/",
  ].map((url): [string, string] => [url, "EGRESS_BAD_URL"]),
  // Other schemes, and text that is not a URL at all.
  ...[
    "file:///etc/passwd",
    "ftp://example.com/",
    "gopher://127.0.0.1:6379/_INFO",
    "dict://127.0.0.1:11211/stats",
    "ws://example.com/",
    "wss://example.com/",
    "data:text/plain,hello",
    "javascript:alert(1)",
    "blob:http://example.com/uuid",
    "//example.com/",
    "/relative/path",
    "",
    "not a url",
    "http://127.0.0.1.5/",
    "http://0x100000000/",
    "http://256.0.0.1/",
    "http://[fe80::1%25eth0]/",
    "http://[::1/",
    "http://exa mple.com/",
    "http://example.com%00.evil/",
    "http://localhost../",
    "http://a..b/",
    "http://./",
  ].map((url): [string, string] => [url, "EGRESS_BAD_URL"]),
];

describe("URL spellings of forbidden places", () => {
  test.each(refused)("%s is refused (%s)", async (url, code) => {
    const decision = await judge(url);
    expect(decision.ok).toBe(false);
    if (decision.ok) return;
    expect(decision.refusal.code).toBe(code);
    expect(decision.refusal.message).toMatch(/^fetch to .+ (refused|failed): .+/);
  });
});

// [url, the address we would connect to]
const allowed: [string, string][] = [
  ["http://example.com/", publicV4],
  ["https://example.com:8443/path?q=1#frag", publicV4],
  ["http://EXAMPLE.com./", publicV4],
  ["http://bücher.example/", publicV4],
  ["http://dual.example/", "2606:4700:4700::1111"],
  ["http://93.184.215.14/", publicV4],
  ["http://1.1.1.1/", "1.1.1.1"],
  ["http://0x08080808/", "8.8.8.8"],
  ["http://134744072/", "8.8.8.8"],
  ["http://[2606:4700:4700::1111]/", "2606:4700:4700::1111"],
  ["http://[::ffff:8.8.8.8]/", "::ffff:808:808"],
  ["http://[64:ff9b::8.8.8.8]/", "64:ff9b::808:808"],
  ["http://[2002:808:808::1]/", "2002:808:808::1"],
  ["http://9.255.255.255/", "9.255.255.255"],
  ["http://11.0.0.1/", "11.0.0.1"],
  ["http://100.63.255.255/", "100.63.255.255"],
  ["http://100.128.0.1/", "100.128.0.1"],
  ["http://126.255.255.255/", "126.255.255.255"],
  ["http://128.0.0.1/", "128.0.0.1"],
  ["http://169.253.255.255/", "169.253.255.255"],
  ["http://169.255.0.1/", "169.255.0.1"],
  ["http://172.15.255.255/", "172.15.255.255"],
  ["http://172.32.0.1/", "172.32.0.1"],
  ["http://192.167.255.255/", "192.167.255.255"],
  ["http://192.169.0.1/", "192.169.0.1"],
  ["http://223.255.255.255/", "223.255.255.255"],
  ["http://localhost.example.com/", publicV4],
  ["http://127.0.0.1.nip.example/", publicV4],
];

describe("public hosts", () => {
  test.each(allowed)("%s is allowed, connecting to %s", async (url, address) => {
    const decision = await judge(url);
    expect(decision).toMatchObject({ ok: true, address });
  });
});

describe("what a script is told", () => {
  test("an address literal names the address and the range", async () => {
    expect(await judge("http://10.0.0.5/")).toEqual({
      ok: false,
      refusal: { code: "EGRESS_BLOCKED", message: "fetch to http://10.0.0.5/ refused: 10.0.0.5 is a private address (10.0.0.0/8)" },
    });
  });

  test("a name says what it resolves to", async () => {
    const decision = await judge("http://metadata.google.internal/computeMetadata/v1/?recursive=true");
    expect(decision).toEqual({
      ok: false,
      refusal: {
        code: "EGRESS_BLOCKED",
        message:
          "fetch to http://metadata.google.internal/computeMetadata/v1/ refused: metadata.google.internal resolves to 169.254.169.254, a link-local/cloud-metadata address (169.254.0.0/16)",
      },
    });
  });

  test("an IPv4 address hidden in IPv6 is named in both forms", async () => {
    const decision = await judge("http://[::ffff:169.254.169.254]/");
    expect(!decision.ok && decision.refusal.message).toBe(
      "fetch to http://[::ffff:a9fe:a9fe]/ refused: ::ffff:a9fe:a9fe is an IPv4-mapped form of 169.254.169.254, a link-local/cloud-metadata address (169.254.0.0/16)",
    );
  });

  test("the query, which may carry secrets, is never repeated back", async () => {
    const decision = await judge("http://10.0.0.5/x?token=s3cret#frag");
    expect(!decision.ok && decision.refusal.message).not.toContain("s3cret");
    const bad = await judge("gopher://host/x?token=s3cret");
    expect(!bad.ok && bad.refusal.message).toBe("fetch to gopher://host/x refused: only http and https are allowed, not gopher");
  });

  test("credentials in a URL are refused with a way forward", async () => {
    const decision = await judge("http://user:pass@example.com/");
    expect(!decision.ok && decision.refusal.message).toBe(
      "fetch to http://example.com/ refused: URLs with credentials (user:password@) are not allowed; send an Authorization header instead",
    );
  });
});

describe("the operator's allow list", () => {
  const operator = parseOperatorAllow("127.0.0.1:8080, fixture.test:9090, 10.20.0.0/16, [::1]:7070");

  test("opens exactly the endpoints it names", async () => {
    expect(await judge("http://127.0.0.1:8080/", {}, operator)).toMatchObject({ ok: true, address: "127.0.0.1" });
    expect(await judge("http://0x7f.1:8080/", {}, operator)).toMatchObject({ ok: true, address: "127.0.0.1" });
    expect(await judge("http://127.0.0.1:8081/", {}, operator)).toMatchObject({ ok: false });
    expect(await judge("http://127.0.0.2:8080/", {}, operator)).toMatchObject({ ok: false });
    expect(await judge("http://[::1]:7070/", {}, operator)).toMatchObject({ ok: true, address: "::1" });
    expect(await judge("http://[::1]:8080/", {}, operator)).toMatchObject({ ok: false });
  });

  test("a CIDR entry opens every port in its range", async () => {
    expect(await judge("http://10.20.3.4:1/", {}, operator)).toMatchObject({ ok: true, address: "10.20.3.4" });
    expect(await judge("http://10.21.0.1/", {}, operator)).toMatchObject({ ok: false });
  });

  test("a named entry opens whatever that name resolves to, on that port only", async () => {
    const local = async () => [{ address: "127.0.0.1", family: 4 }];
    const target = (url: string) => {
      const parsed = parseTarget(url);
      if (!parsed.ok) throw new Error(url);
      return parsed.target;
    };
    expect(await decide(target("http://fixture.test:9090/"), { operatorAllow: operator, tenant: {}, resolve: local })).toMatchObject({
      ok: true,
      address: "127.0.0.1",
    });
    expect(await decide(target("http://fixture.test:9091/"), { operatorAllow: operator, tenant: {}, resolve: local })).toMatchObject({ ok: false });
    expect(await decide(target("http://other.test:9090/"), { operatorAllow: operator, tenant: {}, resolve: local })).toMatchObject({ ok: false });
  });

  test("cannot override a tenant's deny list", async () => {
    expect(await judge("http://127.0.0.1:8080/", { deny: ["127.0.0.1"] }, operator)).toMatchObject({ ok: false, refusal: { code: "EGRESS_BLOCKED" } });
  });

  test("rejects entries it cannot read, loudly", () => {
    for (const bad of ["localhost", "127.0.0.1", "::1:80", "[::1]", "host:0", "host:70000", "10.0.0.0/33", "nonsense/8", "[nothex]:80"]) {
      expect(() => parseOperatorAllow(bad), bad).toThrow(/IOTA_EGRESS_ALLOW/);
    }
    expect(parseOperatorAllow(undefined)).toEqual([]);
    expect(parseOperatorAllow(" , ")).toEqual([]);
  });
});

describe("a tenant's allow and deny lists", () => {
  test("a non-empty allow list admits only the hosts it names", async () => {
    const tenant = { allow: ["api.stripe.com", "*.example.com"] };
    expect(await judge("https://api.stripe.com/v1/charges", tenant)).toMatchObject({ ok: true });
    expect(await judge("https://API.Stripe.com./v1", tenant)).toMatchObject({ ok: true });
    expect(await judge("https://eu.api.example.com/", tenant)).toMatchObject({ ok: true });
    expect(await judge("https://example.com/", tenant)).toMatchObject({ ok: false });
    expect(await judge("https://stripe.com/", tenant)).toMatchObject({ ok: false });
    expect(await judge("https://api.stripe.com.evil.net/", tenant)).toEqual({
      ok: false,
      refusal: {
        code: "EGRESS_BLOCKED",
        message: "fetch to https://api.stripe.com.evil.net/ refused: api.stripe.com.evil.net is not on this tenant's allow list",
      },
    });
  });

  test("the deny list wins over the allow list", async () => {
    const tenant = { allow: ["*.example.com"], deny: ["admin.example.com"] };
    expect(await judge("https://admin.example.com/", tenant)).toEqual({
      ok: false,
      refusal: {
        code: "EGRESS_BLOCKED",
        message: "fetch to https://admin.example.com/ refused: admin.example.com is on this tenant's deny list (admin.example.com)",
      },
    });
    expect(await judge("https://www.example.com/", tenant)).toMatchObject({ ok: true });
  });

  test("patterns are matched as the URL parser writes hosts", async () => {
    expect(await judge("http://xn--bcher-kva.example/", { allow: ["Bücher.example."] })).toMatchObject({ ok: true });
    expect(await judge("http://bücher.example/", { deny: ["*.EXAMPLE"] })).toMatchObject({ ok: false });
  });

  test("an allow list can never open a blocked address", async () => {
    expect(await judge("http://169.254.169.254/", { allow: ["169.254.169.254"] })).toMatchObject({ ok: false });
    expect(await judge("http://intranet.example/", { allow: ["intranet.example"] })).toMatchObject({ ok: false });
  });
});
