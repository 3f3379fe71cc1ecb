/**
 * Many subscriptions or calls end on the same signal (the store's close, a caller's
 * signal shared by several subscriptions, the server's shutdown): each signal gets one
 * `abort` listener, which runs the callbacks registered here, instead of one listener
 * each. Node's EventTarget walks a signal's listeners on every add and remove, so a
 * listener each would make every registration cost O(registrations).
 */
const callbacks = new WeakMap<AbortSignal, Set<() => void>>();

/** Runs `callback` once when `signal` aborts (at once when it already has); returns the function that unregisters it. */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  if (signal.aborted) {
    callback();
    return () => undefined;
  }
  let registered = callbacks.get(signal);
  if (registered === undefined) {
    const set = new Set<() => void>();
    registered = set;
    callbacks.set(signal, set);
    signal.addEventListener(
      "abort",
      () => {
        callbacks.delete(signal);
        for (const registeredCallback of set) registeredCallback();
        set.clear();
      },
      { once: true },
    );
  }
  const entry = () => callback();
  registered.add(entry);
  return () => {
    registered.delete(entry);
  };
}
