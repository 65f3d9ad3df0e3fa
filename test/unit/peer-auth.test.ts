// Host-to-host requests (a live view through one host of a run on another) are signed under a
// key derived from the shared secrets key: only a host holding it, asking that host, for that
// path, recently, is answered.
import { randomBytes } from "node:crypto";
import { describe, expect, test } from "vitest";
import { peerKey, signPeerRequest, verifyPeerRequest } from "../../host/peer-auth.ts";

const secretsKey = randomBytes(32).toString("base64");
const key = peerKey(secretsKey);
const path = "/live?execution=ex-1&after=0";
const now = 1_800_000_000_000;

describe("signed host-to-host requests", () => {
  test("a request signed for this host and path, now, is accepted", () => {
    expect(verifyPeerRequest(key, "host-a:8787", path, signPeerRequest(key, "host-a:8787", path, now), now + 1_000)).toBe(true);
  });

  test("the key is derived: hosts with the same secrets key agree, another key's signature fails", () => {
    expect(peerKey(secretsKey).equals(key)).toBe(true);
    expect(key.equals(Buffer.from(secretsKey, "base64"))).toBe(false);
    const other = peerKey(randomBytes(32).toString("base64"));
    expect(verifyPeerRequest(key, "host-a:8787", path, signPeerRequest(other, "host-a:8787", path, now), now)).toBe(false);
  });

  test("a signature for another host, another execution or another line offset is refused", () => {
    const signed = signPeerRequest(key, "host-a:8787", path, now);
    expect(verifyPeerRequest(key, "host-c:8787", path, signed, now)).toBe(false);
    expect(verifyPeerRequest(key, "host-a:8787", "/live?execution=ex-2&after=0", signed, now)).toBe(false);
    expect(verifyPeerRequest(key, "host-a:8787", "/live?execution=ex-1&after=5", signed, now)).toBe(false);
  });

  test("an old or future-dated request, or one missing its headers, is refused", () => {
    expect(verifyPeerRequest(key, "host-a:8787", path, signPeerRequest(key, "host-a:8787", path, now - 31_000), now)).toBe(false);
    expect(verifyPeerRequest(key, "host-a:8787", path, signPeerRequest(key, "host-a:8787", path, now + 31_000), now)).toBe(false);
    expect(verifyPeerRequest(key, "host-a:8787", path, {}, now)).toBe(false);
    const signed = signPeerRequest(key, "host-a:8787", path, now);
    expect(verifyPeerRequest(key, "host-a:8787", path, { ...signed, "x-iota-peer-signature": "zz" }, now)).toBe(false);
  });
});
