import { createServiceImplSpec, type ConnectRouter, type MethodImplSpec } from "@connectrpc/connect";
import type { DescMethodServerStreaming, DescMethodUnary } from "@bufbuild/protobuf";

/** A unary method and the implementation function the router serves it with. */
export interface UnaryMethod {
  readonly method: DescMethodUnary;
  readonly impl: Extract<MethodImplSpec, { kind: "unary" }>["impl"];
}

/** A server-streaming method and the implementation function the router serves it with. */
export interface ServerStreamingMethod {
  readonly method: DescMethodServerStreaming;
  readonly impl: Extract<MethodImplSpec, { kind: "server_streaming" }>["impl"];
}

/** The unary methods of the registered services, by request path (`/pkg.Service/Method`). */
export type UnaryMethods = ReadonlyMap<string, UnaryMethod>;

/** The server-streaming methods of the registered services, by request path. */
export type ServerStreamingMethods = ReadonlyMap<string, ServerStreamingMethod>;

/** The request path of a method, as the router serves it: `/pkg.Service/Method`. */
export function methodPath(method: { readonly parent: { readonly typeName: string }; readonly name: string }): string {
  return `/${method.parent.typeName}/${method.name}`;
}

/**
 * Wraps `routes` so that every service it registers on the Connect router is also
 * recorded here: the fast gRPC path then runs the very same implementation functions.
 */
export function recordMethods(routes: (router: ConnectRouter) => void): {
  routes: (router: ConnectRouter) => void;
  unary: UnaryMethods;
  serverStreaming: ServerStreamingMethods;
} {
  const unary = new Map<string, UnaryMethod>();
  const serverStreaming = new Map<string, ServerStreamingMethod>();
  const record = (spec: MethodImplSpec) => {
    if (spec.kind === "unary") unary.set(methodPath(spec.method), { method: spec.method, impl: spec.impl });
    else if (spec.kind === "server_streaming") serverStreaming.set(methodPath(spec.method), { method: spec.method, impl: spec.impl });
  };
  return {
    unary,
    serverStreaming,
    routes(router) {
      const recording: ConnectRouter = {
        get handlers() {
          return router.handlers;
        },
        service(service, implementation, options) {
          router.service(service, implementation, options);
          if ((options as { grpc?: boolean } | undefined)?.grpc === false) return recording;
          for (const spec of Object.values(createServiceImplSpec(service, implementation).methods)) record(spec);
          return recording;
        },
        rpc(method, implementation, options) {
          router.rpc(method, implementation, options);
          if ((options as { grpc?: boolean } | undefined)?.grpc !== false) record({ kind: method.methodKind, method, impl: implementation } as MethodImplSpec);
          return recording;
        },
      };
      routes(recording);
    },
  };
}
