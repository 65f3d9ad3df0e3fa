// A resource's value when it has one, without throwing its error or suspending the page:
// screens show their own loading and failure states.
import type { Resource } from "solid-js";

export function ready<T>(resource: Resource<T>): T | undefined {
  return resource.state === "ready" || resource.state === "refreshing" ? resource.latest : undefined;
}
