import type { DescMessage, DescMethod, DescMethodStreaming, DescMethodUnary, MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextValues, type ContextValues, type Interceptor, type StreamResponse, type Transport, type UnaryResponse } from "@connectrpc/connect";
import { createMethodSerializationLookup, createMethodUrl, encodeEnvelope, runStreamingCall, type MethodSerializationLookup } from "@connectrpc/connect/protocol";
import { headerGrpcStatus, requestHeader, validateResponseWithCompression, validateTrailer } from "@connectrpc/connect/protocol-grpc";
import type { Http2SessionManager } from "@connectrpc/connect-node";
import { AppendRequestSchema, type AppendRequest } from "@annals/protocol";
import { encodeAppendRequest } from "./append-request-encoder.js";
import { Http2Call, type Envelope, type RequestBody } from "./h2-call.js";
import { runUnary } from "./unary-call.js";

export interface Http2GrpcTransportOptions {
  baseUrl: string;
  /** The HTTP/2 connection the calls share. */
  sessionManager: Http2SessionManager;
  /** Run in order around each call, as on any Connect transport. */
  interceptors?: Interceptor[];
  /** The largest response message accepted, bytes (RESOURCE_EXHAUSTED beyond). Default 4 GiB - 1, Connect's. */
  readMaxBytes?: number;
}

/** What a method needs on every call, computed once. */
interface MethodPlan {
  url: string;
  /** The `:path` of `url`. */
  path: string;
  serialization: MethodSerializationLookup<DescMessage, DescMessage>;
  /** The request's bytes: a hand-written encoder where one pays (appends), else the generic one. */
  encode(message: unknown): Uint8Array;
}

const compressedFlag = 0b00000001;

/**
 * A Connect `Transport` for gRPC over the session manager's HTTP/2 connection,
 * without Connect's universal-client pipeline: each call is one HTTP/2 stream
 * whose messages are framed and parsed here (`h2-call.ts`), so a unary call or
 * a short server stream costs a few promises instead of a chain of async
 * iterables. Interceptors, deadlines and cancellation run as in Connect's own
 * `runUnaryCall` (`unary-call.ts`) and through its `runStreamingCall`, and statuses through its gRPC helpers,
 * so calls behave as on `createGrpcTransport`. It neither compresses requests
 * nor accepts compressed responses: a client that wants gzip uses Connect's transport.
 */
export function createHttp2GrpcTransport(options: Http2GrpcTransportOptions): Transport {
  const { baseUrl, sessionManager } = options;
  const interceptors = options.interceptors ?? [];
  const readMaxBytes = options.readMaxBytes ?? 0xffffffff;
  const limits = { readMaxBytes, writeMaxBytes: 0xffffffff, compressMinBytes: 1024 };
  const plans = new WeakMap<DescMethod, MethodPlan>();

  function planOf(method: DescMethod): MethodPlan {
    let plan = plans.get(method);
    if (!plan) {
      const url = createMethodUrl(baseUrl, method);
      const serialization = createMethodSerializationLookup(method, undefined, undefined, limits);
      const generic = serialization.getI(true);
      const encode =
        method.input.typeName === AppendRequestSchema.typeName
          ? (message: unknown) => encodeAppendRequest(message as AppendRequest) ?? generic.serialize(message as never)
          : (message: unknown) => generic.serialize(message as never);
      plan = { url, path: pathOf(url), serialization, encode };
      plans.set(method, plan);
    }
    return plan;
  }

  /** The stream's `:path` for a request's URL. */
  function pathOf(url: string): string {
    const parsed = new URL(url);
    if (parsed.origin !== sessionManager.authority) {
      throw new ConnectError(`cannot make a request to ${parsed.origin}: the http2 session is connected to ${sessionManager.authority}`, Code.Internal);
    }
    return parsed.pathname + parsed.search;
  }

  function parse(plan: MethodPlan, call: Http2Call, envelope: Envelope): never {
    if ((envelope.flags & compressedFlag) !== 0) {
      throw call.abandon(new ConnectError("received compressed envelope, but do not know how to decompress", Code.Internal));
    }
    // The method's output message; `never` lets it stand for the call's generic output type.
    return plan.serialization.getO(true).parse(envelope.data) as never;
  }

  /** Connect's rule: no timeout means none, a timeout of 0 or less too. */
  function timeoutOf(timeoutMs: number | undefined): number | undefined {
    return timeoutMs === undefined || timeoutMs <= 0 ? undefined : timeoutMs;
  }

  /** What a call's request says besides its message, the same for unary and streaming calls. */
  function requestHead<M extends DescMethod>(method: M, plan: MethodPlan, timeout: number | undefined, header: ConstructorParameters<typeof Headers>[0], contextValues: ContextValues | undefined) {
    return {
      service: method.parent,
      method,
      requestMethod: "POST",
      url: plan.url,
      header: requestHeader(true, timeout, header),
      contextValues: contextValues ?? createContextValues(),
    };
  }

  return {
    async unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: ConstructorParameters<typeof Headers>[0],
      message: MessageInitShape<I>,
      contextValues?: ContextValues,
    ): Promise<UnaryResponse<I, O>> {
      const plan = planOf(method);
      const timeout = timeoutOf(timeoutMs);
      return runUnary<I, O>({
        interceptors,
        signal,
        timeoutMs: timeout,
        req: { stream: false, ...requestHead(method, plan, timeout, header, contextValues), message },
        next: async (req) => {
          const body = encodeEnvelope(0, plan.encode(req.message));
          const call = await Http2Call.open(sessionManager, req.url === plan.url ? plan.path : pathOf(req.url), req.header, body, req.signal, readMaxBytes);
          await call.response();
          const { headerError } = validateResponseWithCompression([], call.status, call.header);
          let output: never | undefined;
          let received = false;
          for (let envelope = await call.next(); envelope !== null; envelope = await call.next()) {
            if (received) throw call.abandon(new ConnectError("protocol error: received extra output message for unary method", Code.Unimplemented));
            output = parse(plan, call, envelope);
            received = true;
          }
          validateTrailer(call.trailer, call.header);
          if (!received) {
            // A trailers-only response: its status is in the head.
            if (headerError) throw headerError;
            throw new ConnectError("protocol error: missing output message for unary method", call.trailer.has(headerGrpcStatus) ? Code.Unimplemented : Code.Unknown);
          }
          if (headerError) throw new ConnectError("protocol error: received output message for unary method with error status", Code.Unknown);
          return { stream: false, service: method.parent, method, header: call.header, message: output as never, trailer: call.trailer };
        },
      });
    },

    async stream<I extends DescMessage, O extends DescMessage>(
      method: DescMethodStreaming<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: ConstructorParameters<typeof Headers>[0],
      input: AsyncIterable<MessageInitShape<I>>,
      contextValues?: ContextValues,
    ): Promise<StreamResponse<I, O>> {
      const plan = planOf(method);
      const timeout = timeoutOf(timeoutMs);
      return runStreamingCall<I, O>({
        interceptors,
        signal,
        timeoutMs: timeout,
        req: { stream: true, ...requestHead(method, plan, timeout, header, contextValues), message: input },
        next: async (req) => {
          let body: RequestBody;
          if (method.methodKind === "server_streaming") {
            // One request message: sent with the end of the stream in one write, as for a unary call.
            const envelopes: Uint8Array[] = [];
            for await (const message of req.message) envelopes.push(encodeEnvelope(0, plan.encode(message)));
            body = envelopes.length === 1 ? (envelopes[0] as Uint8Array) : Buffer.concat(envelopes);
          } else {
            body = {
              async *[Symbol.asyncIterator]() {
                for await (const message of req.message) yield encodeEnvelope(0, plan.encode(message));
              },
            };
          }
          const call = await Http2Call.open(sessionManager, req.url === plan.url ? plan.path : pathOf(req.url), req.header, body, req.signal, readMaxBytes);
          await call.response();
          const { foundStatus, headerError } = validateResponseWithCompression([], call.status, call.header);
          if (headerError) throw headerError;
          const messages: AsyncIterable<never> = {
            [Symbol.asyncIterator]: () => ({
              async next(): Promise<IteratorResult<never>> {
                const envelope = await call.next();
                if (envelope === null) {
                  if (!foundStatus) validateTrailer(call.trailer, call.header);
                  return { done: true, value: undefined };
                }
                return { done: false, value: parse(plan, call, envelope) };
              },
            }),
          };
          return { ...req, header: call.header, trailer: call.trailer, message: messages };
        },
      });
    },
  };
}
