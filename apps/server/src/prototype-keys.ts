/**
 * A metadata key is any string, "__proto__" included. Plain objects hold
 * protobuf maps (in protobuf-es and in this server), and assigning "__proto__"
 * to one sets its prototype instead of adding the entry, so the entry would be
 * lost between the wire and the store. Removing `Object.prototype.__proto__` (as
 * `node --disable-proto=delete` does; `Object.getPrototypeOf`/`setPrototypeOf`
 * stay) makes it an ordinary key everywhere in the server's process. Idempotent.
 */
export function keepPrototypeKeys(): void {
  if (Object.getOwnPropertyDescriptor(Object.prototype, "__proto__") !== undefined) {
    delete (Object.prototype as { __proto__?: unknown }).__proto__;
  }
}
