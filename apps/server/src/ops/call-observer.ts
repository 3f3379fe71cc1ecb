import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { principalKey } from "../security/principal.js";

/** What an observer learns of one finished RPC. */
export interface FinishedCall {
  /** Full service name, e.g. `annals.eventstore.v1.EventStore`. */
  service: string;
  /** Method name as in the proto, e.g. `Append`. */
  method: string;
  /** gRPC status name: `OK`, `NOT_FOUND`, `CANCELLED`... */
  code: string;
  durationMs: number;
  /** The error the call ended with, when it failed. */
  error?: ConnectError;
  /** The request's headers. */
  header: Headers;
  /** The principal the server authenticated, when it did. */
  principal?: string;
}

export interface CallObserver {
  started?(service: string, method: string): void;
  finished(call: FinishedCall): void;
}

/** `Code.InvalidArgument` → `INVALID_ARGUMENT`, `Code.Canceled` → `CANCELLED` (gRPC's names). */
export function statusName(code: Code | undefined): string {
  if (code === undefined) return "OK";
  if (code === Code.Canceled) return "CANCELLED";
  return Code[code].replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}

/**
 * An interceptor that tells `observer` when each RPC starts and how it ends: for a
 * streaming response, once the stream has ended, failed or been cancelled. Place it
 * before the error mapping so that it sees the codes clients see.
 */
export function observeCalls(observer: CallObserver): Interceptor {
  return (next) => async (request) => {
    const service = request.service.typeName;
    const method = request.method.name;
    const started = performance.now();
    observer.started?.(service, method);
    const finish = (error?: unknown) => {
      const connectError = error === undefined ? undefined : ConnectError.from(error);
      observer.finished({
        service,
        method,
        code: statusName(connectError?.code),
        durationMs: performance.now() - started,
        error: connectError,
        header: request.header,
        principal: request.contextValues.get(principalKey)?.name,
      });
    };
    let response;
    try {
      response = await next(request);
    } catch (error) {
      finish(error);
      throw error;
    }
    if (!response.stream) {
      finish();
      return response;
    }
    const messages = response.message;
    async function* observed() {
      let ended = false;
      try {
        yield* messages;
        ended = true;
        finish();
      } catch (error) {
        ended = true;
        finish(error);
        throw error;
      } finally {
        // The consumer stopped early: the client went away.
        if (!ended) finish(new ConnectError("the client cancelled", Code.Canceled));
      }
    }
    return { ...response, message: observed() };
  };
}
