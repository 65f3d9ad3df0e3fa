// The address arithmetic under the policy: strict parsing (anything odd is not an address, so it
// is refused), IPv6 in all its text forms, and ranges.
import { describe, expect, test } from "vitest";
import { classifyAddress } from "../../host/egress/address-policy.ts";
import { cidrContains, parseCidr, parseIp, parseIPv4, parseIPv6 } from "../../host/egress/ip-ranges.ts";

describe("reading addresses", () => {
  test("IPv6 text forms of the same address read the same", () => {
    const same = (a: string, b: string) => expect(parseIPv6(a), `${a} = ${b}`).toBe(parseIPv6(b));
    same("::1", "0:0:0:0:0:0:0:1");
    same("::ffff:127.0.0.1", "::ffff:7f00:1");
    same("::FFFF:7F00:1", "0000:0000:0000:0000:0000:ffff:7f00:0001");
    same("fe80::1%eth0", "fe80::1");
    same("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0");
    same("::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8");
    expect(parseIPv6("::")).toBe(0n);
  });

  test("broken IPv6 text is not an address", () => {
    for (const bad of [
      ":::1",
      "1::2::3",
      "12345::",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7",
      "::1.2.3",
      "::1.2.3.4:5",
      "g::1",
      ":1::",
      "1.2.3.4::",
      "1:2:3:4:5:6:7:8::",
      "",
    ]) {
      expect(parseIPv6(bad), bad).toBeNull();
    }
  });

  test("IPv4 is dotted decimal only; other spellings are for the URL parser to fold", () => {
    expect(parseIPv4("10.0.0.5")).toBe(0x0a000005n);
    for (const bad of ["01.2.3.4", "1.2.3", "256.0.0.1", " 1.2.3.4", "0x7f.0.0.1", "1.2.3.4.", "2130706433", ""]) {
      expect(parseIPv4(bad), bad).toBeNull();
    }
  });

  test("brackets are accepted around IPv6 and nowhere else", () => {
    expect(parseIp("[::1]")).toEqual({ family: 6, value: 1n });
    expect(parseIp("[127.0.0.1]")).toBeNull();
    expect(parseIp("example.com")).toBeNull();
  });

  test("ranges hold what they cover, of their own family only", () => {
    const loopback = parseCidr("127.0.0.1/8")!;
    expect(loopback.base).toBe(0x7f000000n);
    expect(cidrContains(loopback, parseIp("127.9.9.9")!)).toBe(true);
    expect(cidrContains(loopback, parseIp("128.0.0.0")!)).toBe(false);
    const all6 = parseCidr("::/0")!;
    expect(cidrContains(all6, parseIp("2001:db8::1")!)).toBe(true);
    expect(cidrContains(all6, parseIp("1.2.3.4")!)).toBe(false);
    for (const bad of ["10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "x/8", "10.0.0.0"]) expect(parseCidr(bad), bad).toBeNull();
  });
});

describe("addresses as a resolver prints them", () => {
  test.each([
    ["127.0.0.1", "a loopback address (127.0.0.0/8)"],
    ["::ffff:127.0.0.1", "an IPv4-mapped form of 127.0.0.1, a loopback address (127.0.0.0/8)"],
    ["fe80::1%eth0", "a link-local address (fe80::/10)"],
    ["::", "the unspecified address (::/128)"],
    ["fd12:3456::1", "a unique-local (private) address (fc00::/7)"],
    ["2002:0a00:0001::", "a 6to4 form of 10.0.0.1, a private address (10.0.0.0/8)"],
    ["64:ff9b::c0a8:0101", "a NAT64 form of 192.168.1.1, a private address (192.168.0.0/16)"],
    ["", "not an address that can be checked"],
    ["localhost", "not an address that can be checked"],
  ])("%s is blocked as %s", (address, reason) => {
    expect(classifyAddress(address)).toEqual({ blocked: true, reason });
  });

  test.each(["8.8.8.8", "2606:4700:4700::1111", "2a00:1450:4001:80e::200e", "::ffff:8.8.8.8", "64:ff9b::808:808"])("%s is public", (address) => {
    expect(classifyAddress(address)).toEqual({ blocked: false });
  });
});
