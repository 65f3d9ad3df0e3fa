// An endpoint's path pattern (`/orders/:id`) and the path a request goes to.

/** The names of its `:name` segments, in order. */
export const pathParams = (pattern: string) =>
  pattern
    .split("/")
    .filter((s) => s.startsWith(":"))
    .map((s) => s.slice(1));

/** The pattern with each parameter given a value (an empty one keeps its `:name`). */
export const fillPath = (pattern: string, values: Record<string, string>) =>
  pattern
    .split("/")
    .map((s) => (s.startsWith(":") && values[s.slice(1)] ? encodeURIComponent(values[s.slice(1)]!) : s))
    .join("/");
