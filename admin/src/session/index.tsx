// Who is signed in, in which tenant, and what they may do: useSession().
// The session lives in an HttpOnly cookie the page cannot read, so a local hint remembers that
// there is one; without it the app shows sign-in straight away instead of asking the server.
// A user moves their session to another tenant they belong to; a platform admin may also work
// in any other tenant, which this tab then names on every call (X-Iota-Tenant) and remembers
// across reloads.
import { createContext, createSignal, useContext, type ParentProps } from "solid-js";
import type { Me } from "../../../protocol/api.ts";
import type { Permission } from "../../../protocol/roles.ts";
import { actingInTenant, actInTenant, ApiError, idle, onSessionLost, setCsrfToken } from "../api/client.ts";
import { api } from "../api/endpoints.ts";

export type SessionStatus = "loading" | "signed-out" | "signed-in" | "switching";

export interface Session {
  status(): SessionStatus;
  /** The signed-in user; only call under a signed-in view. */
  me(): Me;
  can(permission: Permission): boolean;
  signIn(username: string, password: string, tenant?: string): Promise<void>;
  signOut(): Promise<void>;
  /** To a tenant the user belongs to or, for a platform admin, any tenant. */
  switchTenant(slug: string): Promise<void>;
  /** Set when the server ended the session (expired, signed out elsewhere). */
  expired(): boolean;
}

const hintKey = "iota.signedIn";
const actingKey = "iota.actingTenant";
const SessionContext = createContext<Session>();

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside <SessionProvider>");
  return session;
}

function actIn(slug: string | undefined): void {
  actInTenant(slug);
  if (slug) sessionStorage.setItem(actingKey, slug);
  else sessionStorage.removeItem(actingKey);
}

/** Who I am; in the tenant this tab worked in, or back in the session's own when that fails. */
async function loadMe(): Promise<Me> {
  try {
    return await api.me();
  } catch (e) {
    if (!actingInTenant() || (e instanceof ApiError && e.status === 401)) throw e;
    // That tenant is gone, or this user may no longer act in it.
    actIn(undefined);
    return api.me();
  }
}

export function SessionProvider(props: ParentProps) {
  const [me, setMe] = createSignal<Me>();
  const [status, setStatus] = createSignal<SessionStatus>(localStorage.getItem(hintKey) ? "loading" : "signed-out");
  const [expired, setExpired] = createSignal(false);

  const accept = (value: Me) => {
    setCsrfToken(value.csrfToken);
    setMe(value);
    setExpired(false);
    setStatus("signed-in");
    localStorage.setItem(hintKey, "1");
  };
  const drop = () => {
    setCsrfToken(undefined);
    actIn(undefined);
    localStorage.removeItem(hintKey);
    setStatus("signed-out");
    setMe(undefined);
  };

  onSessionLost(() => {
    if (status() === "signed-in") setExpired(true);
    drop();
  });

  if (status() === "loading") {
    actInTenant(sessionStorage.getItem(actingKey) ?? undefined);
    loadMe().then(accept, (e: unknown) => {
      if (!(e instanceof ApiError && e.status === 401)) console.warn("could not load the session", e);
      drop();
    });
  }

  const session: Session = {
    status,
    me: () => {
      const value = me();
      if (!value) throw new Error("not signed in");
      return value;
    },
    can: (permission) => me()?.permissions.includes(permission) ?? false,
    async signIn(username, password, tenant) {
      actIn(undefined);
      accept(await api.signIn({ username, password, ...(tenant ? { tenant } : {}) }));
    },
    async signOut() {
      // Close every screen first, and let their requests land while the session still exists.
      setStatus("switching");
      await idle();
      try {
        await api.signOut();
      } finally {
        drop();
      }
    },
    async switchTenant(slug) {
      const current = session.me();
      // Members move their session; a platform admin elsewhere keeps theirs and names the tenant.
      const member = current.tenants.some((t) => t.slug === slug);
      const before = actingInTenant();
      setStatus("switching");
      await idle();
      try {
        if (member || !current.platformAdmin) {
          actIn(undefined);
          accept(await api.switchTenant(slug));
        } else {
          actIn(slug);
          accept(await api.me());
        }
      } catch (e) {
        actIn(before);
        if (me()) setStatus("signed-in");
        throw e;
      }
    },
    expired,
  };

  return <SessionContext.Provider value={session}>{props.children}</SessionContext.Provider>;
}
