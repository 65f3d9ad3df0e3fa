// workerd frees what a request leaves outside V8's heap only in a full collection, which V8 seldom
// runs for a heap as small as a worker's: without one every so often a process grows by kilobytes
// per call (a runner about 11 KB, until the kernel killed it at its memory limit; a dispatcher
// from 78 to 325 MB in a minute of steady load). The host starts its workerd processes with
// --expose-gc; where there is no gc (Cloudflare) there is nothing to do.
//
// The script harness uses this too, with the gc it captured before hiding it from scripts: the
// counter lives in this closure, out of any script's reach.

/** How many calls between full collections: for a small heap one takes a few ms, about 10 us per call. */
export const callsPerCollection = 1000;

/** A function to call once per request: every `callsPerCollection`th call runs `collect`. */
export function periodicCollection(collect: (() => void) | undefined): () => void {
  if (!collect) return () => {};
  let since = 0;
  return () => {
    if (++since < callsPerCollection) return;
    since = 0;
    collect();
  };
}
