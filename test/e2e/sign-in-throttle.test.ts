// Sign-in throttling that a stranger cannot turn against a real user: a stranger's failures count
// against the username they typed (and, behind a trusted proxy, their address); a browser that
// has signed in as the user before carries a device cookie and is counted on its own.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { System, type ApiResponse } from "../support/system.ts";

const password = "correct horse battery";

/** A client: the cookies it holds (`name=value`) and, behind a proxy, the address it comes from. */
interface Client {
  cookies?: string[];
  address?: string;
}

function signInAs(system: System, username: string, pass: string, client: Client = {}): Promise<ApiResponse> {
  const headers: Record<string, string> = {};
  if (client.cookies?.length) headers.cookie = client.cookies.join("; ");
  if (client.address) headers["x-forwarded-for"] = client.address;
  return system.api("POST", "/admin/api/session", { username, password: pass }, { token: null, headers });
}

/** The device cookie a successful sign-in gave the browser. */
function deviceCookie(r: ApiResponse): { pair: string; attributes: string } {
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  const line = r.headers.getSetCookie().find((c) => c.startsWith("iota_device_"));
  expect(line, "a device cookie").toBeDefined();
  return { pair: line!.split(";")[0]!, attributes: line! };
}

/** Wrong passwords from a client until the username is refused; answers the refusal. */
async function lockOut(system: System, username: string, client: Client = {}): Promise<ApiResponse> {
  for (let i = 0; i < 10; i++) {
    const r = await signInAs(system, username, `wrong guess ${i}`, client);
    if (r.status === 429) return r;
    expect(r.status).toBe(401);
  }
  throw new Error(`${username} was never locked`);
}

function expectRefused(r: ApiResponse): void {
  expect(r.status, JSON.stringify(r.body)).toBe(429);
  expect(r.body.error.code).toBe("RATE_LIMITED");
  expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
}

describe("without a trusted proxy", () => {
  let system: System;
  beforeAll(async () => {
    system = await System.start({ env: { IOTA_BOOTSTRAP_PASSWORD: password } });
  });
  afterAll(async () => {
    await system?.destroy();
  });

  const addUser = async (username: string) => {
    const r = await system.api("POST", "/admin/api/users", { username, password: `${username}'s password`, role: "viewer" });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return `${username}'s password`;
  };

  test("forty failed sign-ins under made-up names, one of them locked, do not keep the platform admin out", async () => {
    for (let i = 0; i < 40; i++) expect((await signInAs(system, `made-up-${i}`, "not a password")).status).toBe(401);
    expectRefused(await lockOut(system, "made-up-and-hammered"));
    // A browser that never signed in before: nothing it shares with the stranger is locked.
    const admin = await signInAs(system, "admin", password);
    expect(admin.status, JSON.stringify(admin.body)).toBe(200);
    expect(admin.body.name).toBe("admin");
  });

  test("a stranger who locks the admin's username does not lock out the admin's own browser", async () => {
    const earlier = await signInAs(system, "admin", password);
    const device = deviceCookie(earlier);
    expect(device.attributes).toMatch(/HttpOnly/i);
    expect(device.attributes).toMatch(/SameSite=Strict/i);
    expect(device.attributes).toMatch(/Path=\/admin\/api\/session(;|$)/i);

    expectRefused(await lockOut(system, "admin"));
    // The admin's browser, signed out since, still gets in with the right password...
    const known = await signInAs(system, "admin", password, { cookies: [device.pair] });
    expect(known.status, JSON.stringify(known.body)).toBe(200);
    expect(known.body.name).toBe("admin");
    // ...while a browser without the cookie is refused, even with the right password.
    expectRefused(await signInAs(system, "admin", password));
  });

  test("a browser's own wrong passwords lock only that browser", async () => {
    const pass = await addUser("dee-two-laptops");
    const laptop = deviceCookie(await signInAs(system, "dee-two-laptops", pass));
    const desktop = deviceCookie(await signInAs(system, "dee-two-laptops", pass));
    expectRefused(await lockOut(system, "dee-two-laptops", { cookies: [laptop.pair] }));
    expectRefused(await signInAs(system, "dee-two-laptops", pass, { cookies: [laptop.pair] }));
    expect((await signInAs(system, "dee-two-laptops", pass, { cookies: [desktop.pair] })).status).toBe(200);
    expect((await signInAs(system, "dee-two-laptops", pass)).status).toBe(200);
  });

  test("one user's device cookie does not open another's lock, and forged or altered cookies are ignored", async () => {
    const alPass = await addUser("al-neighbour");
    const beaPass = await addUser("bea-locked");
    const al = deviceCookie(await signInAs(system, "al-neighbour", alPass)).pair;
    const bea = deviceCookie(await signInAs(system, "bea-locked", beaPass)).pair;
    expectRefused(await lockOut(system, "bea-locked"));

    const [beaName, beaValue] = bea.split("=") as [string, string];
    const [payload, mac] = beaValue.split(".") as [string, string];
    const claim = JSON.parse(Buffer.from(payload, "base64url").toString());
    const reissued = (changes: Record<string, unknown>) => Buffer.from(JSON.stringify({ ...claim, ...changes })).toString("base64url");
    const flipped = (text: string, at: number) => text.slice(0, at) + (text[at] === "A" ? "B" : "A") + text.slice(at + 1);
    const impostors = {
      "al's cookie": al,
      "al's cookie under bea's name": `${beaName}=${al.split("=")[1]}`,
      "bea's cookie with its MAC altered": `${beaName}=${payload}.${flipped(mac, 10)}`,
      "bea's cookie with another device id": `${beaName}=${reissued({ d: "chosen-by-the-attacker" })}.${mac}`,
      "bea's cookie with a later expiry": `${beaName}=${reissued({ e: claim.e + 1 })}.${mac}`,
      "a cookie made up from scratch": `${beaName}=${reissued({ d: "forged" })}.${Buffer.from("not a mac at all, but long enough").toString("base64url")}`,
    };
    for (const [what, cookie] of Object.entries(impostors)) {
      const r = await signInAs(system, "bea-locked", beaPass, { cookies: [cookie] });
      expect(r.status, what).toBe(429);
    }
    expect((await signInAs(system, "bea-locked", beaPass, { cookies: [al, bea] })).status).toBe(200);
  });

  test("a burst of concurrent guesses gets no more tries than guesses one at a time", async () => {
    await addUser("burst-target");
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => signInAs(system, "burst-target", `burst guess ${i}`)));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(25);
  });
});

describe("behind a trusted proxy", () => {
  let system: System;
  beforeAll(async () => {
    system = await System.start({ env: { IOTA_BOOTSTRAP_PASSWORD: password, IOTA_TRUST_PROXY: "true" } });
  });
  afterAll(async () => {
    await system?.destroy();
  });

  test("one address guessing across many usernames is refused; other addresses and known browsers are not", async () => {
    const device = deviceCookie(await signInAs(system, "admin", password, { address: "192.0.2.10" })).pair;
    expect((await system.api("POST", "/admin/api/users", { username: "stuffer-own", password: "the stuffer's own password", role: "viewer" })).status).toBe(
      201,
    );
    const stuffer = { address: "203.0.113.7" };
    const guess = (i: number) => signInAs(system, `stuffed-${i}`, "leaked password", stuffer);
    for (let i = 0; i < 20; i++) expect((await guess(i)).status).toBe(401);
    // Signing in to an account of one's own, from the same address, does not buy more guesses.
    expect((await signInAs(system, "stuffer-own", "the stuffer's own password", stuffer)).status).toBe(200);
    let refused: ApiResponse | undefined;
    let guesses = 20;
    for (; guesses < 40 && !refused; guesses++) {
      const r = await guess(guesses);
      if (r.status === 429) refused = r;
      else expect(r.status).toBe(401);
    }
    expectRefused(refused!);
    expect(guesses - 1).toBe(30);
    // The address is locked for strangers: even the right password for a real user from there.
    expectRefused(await signInAs(system, "admin", password, stuffer));
    expect((await signInAs(system, "admin", password, { ...stuffer, cookies: [device] })).status).toBe(200);
    expect((await signInAs(system, "admin", password, { address: "198.51.100.2" })).status).toBe(200);
  });
});
