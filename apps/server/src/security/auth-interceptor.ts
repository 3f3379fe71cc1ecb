import type { Interceptor } from "@connectrpc/connect";
import { EventStore } from "@annals/protocol";
import { Health, ServerReflection, ServerReflectionV1Alpha } from "@annals/protocol/grpc";
import type { Authenticator } from "./authenticator.js";
import { authorize } from "./policy.js";
import { peerIdentityKey } from "./peer-identity.js";
import { anonymousPrincipal, principalKey } from "./principal.js";

export interface AuthInterceptorOptions {
  /** Absent: no authentication, every caller is `anonymous` with every grant. */
  authenticator?: Authenticator;
  /** Serve reflection without a token. Default false. */
  reflectionPublic?: boolean;
}

const reflection = new Set([ServerReflection.typeName, ServerReflectionV1Alpha.typeName]);

/**
 * Authenticates every call (the gRPC health check excepted) and authorizes each
 * EventStore call against `policy.ts` before its handler runs: a refused call reads
 * and writes nothing. The principal is left in the call's context values
 * (`principalKey`) for the handlers and the request log. Runs on the fast path and
 * on the Connect adapter alike, as every interceptor does.
 */
export function authInterceptor(options: AuthInterceptorOptions): Interceptor {
  const { authenticator } = options;
  return (next) => async (request) => {
    const service = request.service.typeName;
    if (service === Health.typeName) return next(request);
    if (!authenticator) {
      request.contextValues.set(principalKey, anonymousPrincipal);
      return next(request);
    }
    if (options.reflectionPublic && reflection.has(service)) return next(request);
    const principal = await authenticator.authenticate(request.header.get("authorization"), request.contextValues.get(peerIdentityKey));
    request.contextValues.set(principalKey, principal);
    if (service !== EventStore.typeName) return next(request);
    if (!request.stream) {
      authorize(principal, request.method.localName, request.message);
      return next(request);
    }
    // A server-streaming call's one request message, read before the handler runs and handed on.
    const messages: unknown[] = [];
    for await (const message of request.message) messages.push(message);
    authorize(principal, request.method.localName, messages[0]);
    return next({ ...request, message: replay(messages) } as typeof request);
  };
}

async function* replay<T>(messages: readonly T[]): AsyncIterable<T> {
  yield* messages;
}
