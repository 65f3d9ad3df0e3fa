// A small history router for the admin under Vite's base (/admin/): the current path and query
// as signals, links that navigate without reloading, and leave guards so unsaved work is never
// dropped by a click, the back button, or closing the tab.
import { createContext, createSignal, onCleanup, splitProps, useContext, type JSX, type ParentProps } from "solid-js";

const base = import.meta.env.BASE_URL.replace(/\/$/, "");

export interface NavigateOptions {
  replace?: boolean;
}

export interface Router {
  /** The path inside the admin, e.g. "/scripts/scr_1". */
  path(): string;
  query(): URLSearchParams;
  /** Resolves false when a leave guard kept the user on the page. */
  navigate(to: string, options?: NavigateOptions): Promise<boolean>;
  /** Replaces the query string (no leave check: the page stays the same). */
  setQuery(values: Record<string, string | undefined>): void;
  /**
   * Registers a guard: it returns a reason to stay (unsaved work) or undefined. `discard` runs
   * when the user chooses to leave anyway.
   */
  guard(reason: () => string | undefined, discard?: () => void): void;
}

const RouterContext = createContext<Router>();

export function useRouter(): Router {
  const router = useContext(RouterContext);
  if (!router) throw new Error("useRouter outside <RouterProvider>");
  return router;
}

export const href = (to: string) => `${base}${to}`;

function current(): { path: string; search: string } {
  const path = location.pathname.startsWith(base) ? location.pathname.slice(base.length) || "/" : "/";
  return { path, search: location.search };
}

export function RouterProvider(props: ParentProps<{ confirmLeave: (reason: string) => Promise<boolean> }>) {
  const [state, setState] = createSignal(current());
  const guards = new Map<() => string | undefined, (() => void) | undefined>();
  const blocking = () => {
    for (const g of guards.keys()) {
      const reason = g();
      if (reason) return reason;
    }
    return undefined;
  };
  const leaveAnyway = () => {
    for (const [g, discard] of guards) if (g()) discard?.();
    guards.clear();
  };

  const go = (to: string, replace: boolean) => {
    const url = href(to);
    if (replace) history.replaceState(null, "", url);
    else history.pushState(null, "", url);
    setState(current());
    if (!replace) window.scrollTo(0, 0);
  };

  const router: Router = {
    path: () => state().path,
    query: () => new URLSearchParams(state().search),
    async navigate(to, options = {}) {
      const reason = blocking();
      if (reason && !(await props.confirmLeave(reason))) return false;
      leaveAnyway();
      go(to, options.replace ?? false);
      return true;
    },
    setQuery(values) {
      const params = new URLSearchParams(state().search);
      for (const [k, v] of Object.entries(values)) {
        if (v === undefined || v === "") params.delete(k);
        else params.set(k, v);
      }
      const search = params.toString();
      go(`${state().path}${search ? `?${search}` : ""}`, true);
    },
    guard(reason, discard) {
      guards.set(reason, discard);
      onCleanup(() => guards.delete(reason));
    },
  };

  // Back and forward: the URL has already changed; put it back while the user decides.
  let settling = false;
  const onPop = async () => {
    if (settling) return;
    const target = `${location.pathname}${location.search}`;
    const reason = blocking();
    if (!reason) return setState(current());
    settling = true;
    history.pushState(null, "", href(`${state().path}${state().search}`));
    settling = false;
    if (await props.confirmLeave(reason)) {
      leaveAnyway();
      history.pushState(null, "", target);
      setState(current());
    }
  };
  const onUnload = (e: BeforeUnloadEvent) => {
    if (blocking()) e.preventDefault();
  };
  window.addEventListener("popstate", onPop);
  window.addEventListener("beforeunload", onUnload);
  onCleanup(() => {
    window.removeEventListener("popstate", onPop);
    window.removeEventListener("beforeunload", onUnload);
  });

  return <RouterContext.Provider value={router}>{props.children}</RouterContext.Provider>;
}

/** Matches "/scripts/:id" against a path; the params, or undefined. */
export function match(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split("/").filter(Boolean);
  const have = path.split("/").filter(Boolean);
  if (want.length !== have.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const h = have[i]!;
    if (w.startsWith(":")) params[w.slice(1)] = decodeURIComponent(h);
    else if (w !== h) return undefined;
  }
  return params;
}

type LinkProps = JSX.AnchorHTMLAttributes<HTMLAnchorElement> & { href: string; replace?: boolean };

/** An in-app link: a real <a> (middle-click, copy link) that navigates without reloading. */
export function Link(props: LinkProps) {
  const router = useRouter();
  const onClick = (e: MouseEvent) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    void router.navigate(local.href, { replace: local.replace });
  };
  const [local, rest] = splitProps(props, ["href", "replace"]);
  return <a {...rest} href={href(local.href)} onClick={onClick} />;
}
