// Who is signed in, in which tenant, and what they may do: useSession().
// The session lives in an HttpOnly cookie the page cannot read, so a local hint remembers that
// there is one; without it the app shows sign-in straight away instead of asking the server.
import { createContext, createSignal, useContext, type ParentProps } from "solid-js";
import type { Me } from "../../../protocol/api.ts";
import type { Permission } from "../../../protocol/roles.ts";
import { ApiError, idle, onSessionLost, setCsrfToken } from "../api/client.ts";
import { api } from "../api/endpoints.ts";

export type SessionStatus = "loading" | "signed-out" | "signed-in" | "switching";

export interface Session {
  status(): SessionStatus;
  /** The signed-in user; only call under a signed-in view. */
  me(): Me;
  can(permission: Permission): boolean;
  signIn(username: string, password: string, tenant?: string): Promise<void>;
  signOut(): Promise<void>;
  switchTenant(slug: string): Promise<void>;
  /** Set when the server ended the session (expired, signed out elsewhere). */
  expired(): boolean;
}

const hintKey = "iota.signedIn";
const SessionContext = createContext<Session>();

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside <SessionProvider>");
  return session;
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
    localStorage.removeItem(hintKey);
    setStatus("signed-out");
    setMe(undefined);
  };

  onSessionLost(() => {
    if (status() === "signed-in") setExpired(true);
    drop();
  });

  if (status() === "loading") {
    api.me().then(accept, (e: unknown) => {
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
      setStatus("switching");
      await idle();
      try {
        accept(await api.switchTenant(slug));
      } catch (e) {
        if (me()) setStatus("signed-in");
        throw e;
      }
    },
    expired,
  };

  return <SessionContext.Provider value={session}>{props.children}</SessionContext.Provider>;
}
