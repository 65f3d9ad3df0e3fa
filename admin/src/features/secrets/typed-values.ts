// Secret values typed in this tab, kept in memory only (never stored, gone on reload): the
// server never gives a value back, yet the admin signs test requests with the value the user
// just set, instead of asking for it again.
const typed = new Map<string, string>();

export function rememberTyped(name: string, value: string): void {
  typed.set(name, value);
}

export function typedValue(name: string): string | undefined {
  return typed.get(name);
}
