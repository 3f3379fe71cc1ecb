import { createServiceImplSpec, type ConnectRouter, type MethodImplSpec } from "@connectrpc/connect";
import type { DescMethodUnary } from "@bufbuild/protobuf";

/** A unary method and the implementation function the router serves it with. */
export interface UnaryMethod {
  readonly method: DescMethodUnary;
  readonly impl: Extract<MethodImplSpec, { kind: "unary" }>["impl"];
}

/** The unary methods of the registered services, by request path (`/pkg.Service/Method`). */
export type UnaryMethods = ReadonlyMap<string, UnaryMethod>;

/**
 * Wraps `routes` so that every service it registers on the Connect router is also
 * recorded here: the fast gRPC path then runs the very same implementation functions.
 */
export function recordUnaryMethods(routes: (router: ConnectRouter) => void): { routes: (router: ConnectRouter) => void; methods: UnaryMethods } {
  const methods = new Map<string, UnaryMethod>();
  const record = (spec: MethodImplSpec) => {
    if (spec.kind === "unary") methods.set(`/${spec.method.parent.typeName}/${spec.method.name}`, { method: spec.method, impl: spec.impl });
  };
  return {
    methods,
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
          if ((options as { grpc?: boolean } | undefined)?.grpc !== false && method.methodKind === "unary") record({ kind: "unary", method, impl: implementation } as MethodImplSpec);
          return recording;
        },
      };
      routes(recording);
    },
  };
}
