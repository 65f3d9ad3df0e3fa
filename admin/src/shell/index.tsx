// The frame around every signed-in screen: navigation, the tenant switcher, the user, and the
// global keyboard shortcuts.
import { A, useLocation, useNavigate } from "@solidjs/router";
import { createResource, createSignal, For, onCleanup, Show, type ParentProps } from "solid-js";
import { api } from "../api/endpoints.ts";
import { useConfirmLeave } from "../router/leave-guard.ts";
import { useSession } from "../session/index.tsx";
import { useUi } from "../ui/feedback.tsx";
import { modKey } from "../ui/format.ts";
import { ready } from "../ui/resource.ts";
import { Icon, type IconName } from "../ui/icons.tsx";
import { Modal } from "../ui/modal.tsx";
import { rememberTenant } from "../features/sign-in/index.tsx";
import { JoinCodeDialog } from "../features/users/join-code.tsx";
import type { Permission } from "../../../protocol/roles.ts";
import "./shell.css";

interface NavItem {
  href: string;
  label: string;
  icon: IconName;
  key: string;
  /** Shown only to roles that may use the screen (the API refuses the others anyway). */
  needs?: Permission;
  /** Starts a group in the navigation. */
  group?: string;
}

const nav: NavItem[] = [
  { href: "/scripts", label: "Scripts", icon: "code", key: "s" },
  { href: "/history", label: "History", icon: "history", key: "h", needs: "executions.read" },
  { href: "/dead-letters", label: "Dead letters", icon: "inbox", key: "d", needs: "executions.read" },
  { href: "/usage", label: "Usage", icon: "chart", key: "u" },
  { href: "/secrets", label: "Secrets", icon: "key", key: "k", needs: "scripts.read", group: "Tenant" },
  { href: "/alerts", label: "Alerts", icon: "bell", key: "l", needs: "tokens.manage" },
  { href: "/tokens", label: "API tokens", icon: "token", key: "t", needs: "tokens.manage" },
  { href: "/users", label: "Users", icon: "users", key: "m", needs: "users.manage" },
  { href: "/settings", label: "Settings", icon: "settings", key: "e", needs: "tokens.manage" },
  { href: "/api-reference", label: "API reference", icon: "book", key: "a", group: "Help" },
];

const typing = (target: EventTarget | null) =>
  target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) || !!target.closest(".monaco-editor"));

export function Shell(props: ParentProps) {
  const session = useSession();
  const navigate = useNavigate();
  const confirmLeave = useConfirmLeave();
  const ui = useUi();
  const [help, setHelp] = createSignal(false);
  const [joining, setJoining] = createSignal(false);
  const mine = () => nav.filter((n) => !n.needs || session.can(n.needs));

  // The router ignores a link to the address the user is already at; from the navigation that
  // means "show me this screen again", so the screen starts afresh (a list shows what changed).
  const location = useLocation();
  const [visit, setVisit] = createSignal(0);
  const again = (e: MouseEvent & { currentTarget: HTMLAnchorElement }) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const to = new URL(e.currentTarget.href);
    if (to.pathname + to.search === location.pathname + location.search) void confirmLeave().then((ok) => ok && setVisit((n) => n + 1));
  };

  // "g" then a letter goes to a screen; "/" focuses the screen's search; "?" lists shortcuts.
  let pendingG = 0;
  const onKey = (e: KeyboardEvent) => {
    if (e.defaultPrevented || e.metaKey || e.ctrlKey || e.altKey || typing(e.target) || document.querySelector("dialog[open]")) return;
    if (e.key === "?") return setHelp(true);
    if (e.key === "/") {
      const search = document.querySelector<HTMLInputElement>("[data-search]");
      if (search) {
        e.preventDefault();
        search.focus();
      }
      return;
    }
    if (e.key === "g") {
      pendingG = Date.now();
      return;
    }
    const target = mine().find((n) => n.key === e.key);
    if (target && Date.now() - pendingG < 1200) {
      pendingG = 0;
      navigate(target.href);
    }
  };
  document.addEventListener("keydown", onKey);
  onCleanup(() => document.removeEventListener("keydown", onKey));

  const switchTenant = async (slug: string) => {
    if (slug === session.me().tenant.slug) return;
    // The screen on show belongs to the tenant being left: go to the list, unless that loses work.
    if (!(await confirmLeave())) return;
    navigate("/scripts");
    try {
      await session.switchTenant(slug);
      // The next sign-in opens it again; one the user is not a member of cannot be signed into.
      if (session.me().tenants.some((t) => t.slug === slug)) rememberTenant(slug);
    } catch (e) {
      ui.toast(e instanceof Error ? e.message : String(e), "error");
    }
  };

  const signOut = async () => {
    if (!(await confirmLeave())) return;
    navigate("/scripts", { replace: true });
    await session.signOut().catch(() => undefined);
  };

  return (
    <div class="app">
      <aside class="sidebar">
        <A href="/scripts" class="brand" onClick={again}>
          <span class="brand-mark">ι</span> iota scripts
        </A>
        <TenantSwitcher onSwitch={switchTenant} />
        <nav class="nav" aria-label="Main">
          <For each={mine()}>
            {(item) => (
              <>
                <Show when={item.group}>
                  <span class="nav-group">{item.group}</span>
                </Show>
                {/* Active on its screen and the screens below it (/scripts/:id too). */}
                <A href={item.href} class="nav-link" onClick={again}>
                  <Icon name={item.icon} />
                  <span>{item.label}</span>
                  <kbd class="nav-key" title={`g then ${item.key}`}>
                    g {item.key}
                  </kbd>
                </A>
              </>
            )}
          </For>
        </nav>
        <div class="sidebar-foot">
          <div class="user">
            <span class="avatar" aria-hidden="true">
              {session.me().name.slice(0, 1).toUpperCase()}
            </span>
            <span class="user-text">
              <span class="user-name">{session.me().name}</span>
              <span class="user-role">
                {session.me().role}
                {session.me().platformAdmin ? " · platform admin" : ""}
              </span>
            </span>
          </div>
          <button type="button" class="btn btn-ghost btn-small" onClick={signOut} title="Sign out">
            <Icon name="logout" /> Sign out
          </button>
          <button type="button" class="link-button shortcuts-hint" onClick={() => setJoining(true)}>
            Join another tenant
          </button>
          <button type="button" class="link-button shortcuts-hint" onClick={() => setHelp(true)}>
            Keyboard shortcuts <kbd>?</kbd>
          </button>
        </div>
      </aside>
      <main class="main">
        <Show when={visit() + 1} keyed>
          {(_visit) => props.children}
        </Show>
      </main>
      <Show when={help()}>
        <Shortcuts items={mine()} onClose={() => setHelp(false)} />
      </Show>
      <Show when={joining()}>
        <JoinCodeDialog onClose={() => setJoining(false)} />
      </Show>
    </div>
  );
}

interface TenantChoice {
  slug: string;
  name: string;
}

/**
 * The tenants the user belongs to and, for a platform admin, every other tenant (which they
 * may work in without being a member); one tenant alone is shown without a choice.
 */
function TenantSwitcher(props: { onSwitch: (slug: string) => Promise<void> }) {
  const session = useSession();
  const ui = useUi();
  const [all] = createResource(
    () => session.me().platformAdmin || undefined,
    () =>
      api.tenants().then(
        (r) => r.items,
        (e: unknown) => {
          ui.toast(`Only your own tenants are listed: ${e instanceof Error ? e.message : String(e)}`, "error");
          return [];
        },
      ),
  );
  const current = () => session.me().tenant.slug;
  const mine = (): TenantChoice[] => session.me().tenants ?? [];
  const others = (): TenantChoice[] => {
    const list: TenantChoice[] = (ready(all) ?? []).filter((t) => !mine().some((m) => m.slug === t.slug));
    // The tenant being worked in is listed even before every tenant has loaded.
    if (![...mine(), ...list].some((t) => t.slug === current())) list.unshift({ slug: current(), name: current() });
    return list;
  };
  const option = (t: TenantChoice) => (
    <option value={t.slug} selected={t.slug === current()}>
      {t.name}
    </option>
  );
  return (
    <Show
      when={mine().length + others().length > 1}
      fallback={
        <div class="tenant" title="Your tenant">
          <Icon name="tenant" />
          <span class="tenant-name">{mine()[0]?.name ?? current()}</span>
        </div>
      }
    >
      <label class="tenant tenant-switch">
        <Icon name="tenant" />
        <span class="visually-hidden">Tenant</span>
        <select
          aria-label="Tenant"
          onChange={(e) => {
            const select = e.currentTarget;
            // Refused or failed, the choice goes back to where the user still is.
            void props.onSwitch(select.value).then(() => {
              if (select.isConnected) select.value = current();
            });
          }}
        >
          <Show when={others().length > 0} fallback={<For each={mine()}>{option}</For>}>
            <optgroup label="Your tenants">
              <For each={mine()}>{option}</For>
            </optgroup>
            <optgroup label="Other tenants (platform admin)">
              <For each={others()}>{option}</For>
            </optgroup>
          </Show>
        </select>
        <Icon name="chevron" class="tenant-chevron" />
      </label>
    </Show>
  );
}

function Shortcuts(props: { items: NavItem[]; onClose: () => void }) {
  const rows: [string[], string][] = [
    ...props.items.map((n): [string[], string] => [["g", n.key], `Go to ${n.label}`]),
    [["/"], "Search the list"],
    [[`${modKey}S`], "Save the script (in the editor)"],
    [[`${modKey}Enter`], "Run the script (in the editor)"],
    [["Esc"], "Close a dialog"],
    [["?"], "This help"],
  ];
  return (
    <Modal title="Keyboard shortcuts" onClose={props.onClose}>
      <table class="shortcuts">
        <tbody>
          <For each={rows}>
            {([keys, what]) => (
              <tr>
                <td class="shortcut-keys">
                  <For each={keys}>{(k) => <kbd>{k}</kbd>}</For>
                </td>
                <td>{what}</td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
      <div class="modal-actions">
        <button type="button" class="btn btn-primary" onClick={props.onClose} autofocus>
          Close
        </button>
      </div>
    </Modal>
  );
}
