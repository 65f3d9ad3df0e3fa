// Sign in with username and password. Repeated failures make the server ask us to wait: the
// form says how long and counts down.
import { createSignal, onCleanup, Show } from "solid-js";
import { ApiError } from "../../api/client.ts";
import { useSession } from "../../session/index.tsx";
import { Icon } from "../../ui/icons.tsx";
import "./sign-in.css";

const lastTenantKey = "iota.lastTenant";

export function SignIn() {
  const session = useSession();
  const [username, setUsername] = createSignal("");
  const [password, setPassword] = createSignal("");
  const [error, setError] = createSignal<string>();
  const [busy, setBusy] = createSignal(false);
  const [wait, setWait] = createSignal(0);
  const timer = setInterval(() => setWait((w) => Math.max(0, w - 1)), 1000);
  onCleanup(() => clearInterval(timer));

  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    if (busy() || wait() > 0) return;
    setBusy(true);
    setError(undefined);
    const remembered = localStorage.getItem(lastTenantKey) ?? undefined;
    try {
      try {
        await session.signIn(username().trim(), password(), remembered);
      } catch (e) {
        // The tenant we remembered may be gone: let the server choose.
        if (!(remembered && e instanceof ApiError && e.field === "tenant")) throw e;
        await session.signIn(username().trim(), password());
      }
    } catch (e) {
      if (e instanceof ApiError && e.status === 429) {
        setWait(e.retryAfter ?? 60);
        setError("Too many failed attempts.");
      } else if (e instanceof ApiError && e.status === 401) {
        setError("Wrong username or password.");
      } else {
        setError(e instanceof Error ? e.message : String(e));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="sign-in">
      <form class="sign-in-card" onSubmit={submit} aria-labelledby="sign-in-title">
        <div class="brand brand-large">
          <span class="brand-mark">ι</span> iota scripts
        </div>
        <h1 id="sign-in-title" class="sign-in-title">
          Sign in
        </h1>
        <Show when={session.expired()}>
          <p class="notice">Your session ended. Sign in again to continue where you were.</p>
        </Show>
        <label class="field">
          <span class="field-label">Username</span>
          <input
            class="input"
            name="username"
            autocomplete="username"
            required
            autofocus
            value={username()}
            onInput={(e) => setUsername(e.currentTarget.value)}
          />
        </label>
        <label class="field">
          <span class="field-label">Password</span>
          <input
            class="input"
            name="password"
            type="password"
            autocomplete="current-password"
            required
            value={password()}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        <Show when={error()}>
          <p class="field-error" role="alert">
            <Icon name="alert" /> {error()}
            <Show when={wait() > 0}> Try again in {wait()} s.</Show>
          </p>
        </Show>
        <button type="submit" class="btn btn-primary btn-block" disabled={busy() || wait() > 0}>
          {busy() ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}

/** Remembers the tenant the user last worked in, to open it at the next sign-in. */
export function rememberTenant(slug: string): void {
  localStorage.setItem(lastTenantKey, slug);
}
