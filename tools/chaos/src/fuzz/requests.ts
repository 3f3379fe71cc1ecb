import { gzipSync } from "node:zlib";
import { create, toBinary, toJson, type DescMethod, type MessageShape, type DescMessage } from "@bufbuild/protobuf";
import { mutateBinary, mutateJson, randomInit } from "./messages.js";
import type { Random } from "./random.js";
import type { TransportName, WireRequest } from "./wire.js";

/** A request drawn for one method and transport, and what it was meant to say when it is well formed. */
export interface FuzzRequest {
  method: DescMethod;
  transport: TransportName;
  wire: WireRequest;
  streaming: boolean;
  /** The message, when the body carries exactly it (no mutation of message, envelope or headers). */
  intact?: MessageShape<DescMessage>;
  /** What was done to it, for the report of a failure. */
  mutations: string[];
}

function envelope(flags: number, message: Uint8Array, declaredLength = message.length): Buffer {
  const out = Buffer.alloc(5 + message.length);
  out[0] = flags;
  out.writeUInt32BE(declaredLength >>> 0, 1);
  out.set(message, 5);
  return out;
}

const wrongContentTypes = ["text/plain", "application/xml", "application/grpc+json", "application/grpc-web-text", "application/connect+proto", "application/json; charset=latin1", "application/proto", "application/grpc", ""];

/**
 * Draws a request: a random message of the method's input type, encoded as the
 * transport encodes it, then, often, broken: the message (`mutateBinary`,
 * `mutateJson`), the envelope (flags, length, a second message, trailing bytes),
 * the headers (content type, compression, timeout, protocol version).
 */
export function drawRequest(method: DescMethod, transport: TransportName, random: Random): FuzzRequest {
  const mutations: string[] = [];
  const streaming = method.methodKind === "server_streaming";
  const json = transport.startsWith("connect-json");
  // Two in five requests keep to values the store accepts, and are sent intact.
  const clean = random.chance(0.4);
  const message = create(method.input, randomInit(method.input, random, 0, clean));
  let body: Uint8Array = json ? Buffer.from(JSON.stringify(toJson(method.input, message))) : toBinary(method.input, message);
  if (!clean && random.chance(0.5)) {
    body = json ? mutateJson(toJson(method.input, message), random) : mutateBinary(method.input, body, random);
    mutations.push("message");
  }
  const path = `/${method.parent.typeName}/${method.name}`;
  const headers: Record<string, string> = {};
  const enveloped = !transport.startsWith("connect") || streaming;
  if (transport === "grpc-h2") {
    headers["content-type"] = random.chance(0.5) ? "application/grpc" : "application/grpc+proto";
    headers["te"] = "trailers";
  } else if (transport.startsWith("grpc-web")) {
    headers["content-type"] = "application/grpc-web+proto";
    headers["x-grpc-web"] = "1";
  } else {
    headers["content-type"] = streaming ? (json ? "application/connect+json" : "application/connect+proto") : json ? "application/json" : "application/proto";
    if (clean || !random.chance(0.04)) headers["connect-protocol-version"] = clean || random.chance(0.97) ? "1" : "2";
    else mutations.push("no connect-protocol-version");
  }
  // A streaming call gets a short deadline (a subscription follows the live tail until then);
  // a unary one sometimes an odd one.
  const timeoutMs = 50 + random.int(150);
  if (streaming) {
    // Both protocols' headers: a wrong content type may make the server read the call as the other protocol.
    headers["connect-timeout-ms"] = String(timeoutMs);
    headers["grpc-timeout"] = `${timeoutMs}m`;
  } else if (!clean && random.chance(0.05)) {
    const odd = random.pick(["0m", "1n", "99999999H", "abc", "-1", "123456789m", "5S"]);
    headers[transport.startsWith("connect") ? "connect-timeout-ms" : "grpc-timeout"] = odd;
    mutations.push(`timeout ${odd}`);
  }
  let flags = 0;
  if (random.chance(0.06)) {
    // Compressed for real, as declared.
    body = gzipSync(body);
    if (enveloped) {
      flags = 1;
      headers[transport.startsWith("connect") ? "connect-content-encoding" : "grpc-encoding"] = "gzip";
    } else headers["content-encoding"] = "gzip";
    mutations.push("gzip");
  } else if (!clean && random.chance(0.03)) {
    const encoding = random.pick(["br", "snappy", "gzip", "identity"]);
    headers[enveloped ? (transport.startsWith("connect") ? "connect-content-encoding" : "grpc-encoding") : "content-encoding"] = encoding;
    mutations.push(`declared encoding ${encoding}, body not compressed`);
  }
  if (enveloped && clean) body = envelope(flags, body);
  else if (enveloped) {
    let declared = body.length;
    if (random.chance(0.08)) {
      flags = random.pick([1, 2, 0x80, 0xff, 3, 0x7f]);
      mutations.push(`flags 0x${flags.toString(16)}`);
    }
    if (random.chance(0.05)) {
      declared = random.pick([0, Math.max(0, body.length - 1), body.length + 1, body.length + 1000, 2 ** 32 - 1, 2 ** 24]);
      mutations.push(`declared length ${declared}`);
    }
    let framed = envelope(flags, body, declared);
    const roll = random.next();
    if (roll < 0.03) {
      framed = Buffer.concat([framed, envelope(0, body)]);
      mutations.push("two messages");
    } else if (roll < 0.06) {
      framed = Buffer.concat([framed, Buffer.from(random.bytes(1 + random.int(6)))]);
      mutations.push("trailing garbage");
    } else if (roll < 0.08) {
      framed = framed.subarray(0, random.int(framed.length));
      mutations.push("torn envelope");
    } else if (roll < 0.09) {
      framed = Buffer.alloc(0);
      mutations.push("empty body");
    }
    body = framed;
  } else if (!clean && random.chance(0.03)) {
    body = Buffer.concat([Buffer.from(body), Buffer.from(random.bytes(1 + random.int(6)))]);
    mutations.push("trailing garbage");
  }
  if (!clean && random.chance(0.04)) {
    const contentType = random.pick(wrongContentTypes);
    headers["content-type"] = contentType;
    mutations.push(`content-type "${contentType}"`);
  }
  return { method, transport, streaming, wire: { path, headers, body }, mutations, ...(mutations.length === 0 ? { intact: message } : {}) };
}
