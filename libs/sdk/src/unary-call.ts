import { create, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor, type UnaryRequest, type UnaryResponse } from "@connectrpc/connect";
import { getAbortSignalReason } from "@connectrpc/connect/protocol";

type UnaryFn<I extends DescMessage, O extends DescMessage> = (req: UnaryRequest<I, O>) => Promise<UnaryResponse<I, O>>;

export interface UnaryCallOptions<I extends DescMessage, O extends DescMessage> {
  req: Omit<UnaryRequest<I, O>, "signal" | "message"> & { message: MessageInitShape<I> };
  next: UnaryFn<I, O>;
  timeoutMs?: number;
  signal?: AbortSignal;
  interceptors?: readonly Interceptor[];
}

/** Connect's message for a call past its deadline. */
const deadlineMessage = "the operation timed out";

/**
 * A call's signal: aborted when the caller's signal aborts, when the deadline
 * passes (DEADLINE_EXCEEDED) and when the call fails. `fail` gives the error the
 * call rejects with (CANCELED for an abort, as Connect's), `done` releases the
 * timer and the listener on the caller's signal.
 */
function callSignal(caller: AbortSignal | undefined, timeoutMs: number | undefined) {
  const controller = new AbortController();
  const onCallerAbort = () => controller.abort(getAbortSignalReason(caller!));
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (caller !== undefined) {
    if (caller.aborted) onCallerAbort();
    else caller.addEventListener("abort", onCallerAbort);
  }
  if (timeoutMs !== undefined && !controller.signal.aborted) {
    timer = setTimeout(() => controller.abort(new ConnectError(deadlineMessage, Code.DeadlineExceeded)), timeoutMs);
  }
  const done = () => {
    if (timer !== undefined) clearTimeout(timer);
    caller?.removeEventListener("abort", onCallerAbort);
  };
  return {
    signal: controller.signal,
    done,
    fail(reason: unknown): Promise<never> {
      const error = controller.signal.aborted ? ConnectError.from(getAbortSignalReason(controller.signal), Code.Canceled) : ConnectError.from(reason);
      controller.abort(error);
      done();
      return Promise.reject(error);
    },
  };
}

/**
 * Runs a unary call through `interceptors` (first one outermost) with a signal
 * for its caller's signal and its deadline, as Connect's `runUnaryCall` does,
 * but for one thing: a call that ends well leaves its signal unaborted (nothing
 * listens to it by then; the transport removed its listener) instead of aborting
 * it, which made an AbortError, a DOMException with its stack, for every call
 * (`npm run bench:snapshots`, N=10 average load: 1.10–1.12 → 1.00–1.04 ms median,
 * 1.21–1.23 → 1.03–1.12 ms mean, alternating runs of both on one machine).
 */
export function runUnary<I extends DescMessage, O extends DescMessage>(options: UnaryCallOptions<I, O>): Promise<UnaryResponse<I, O>> {
  let next = options.next;
  const interceptors = options.interceptors ?? [];
  for (let index = interceptors.length - 1; index >= 0; index -= 1) next = interceptors[index]!(next as never) as unknown as UnaryFn<I, O>;
  const signal = callSignal(options.signal, options.timeoutMs);
  const req: UnaryRequest<I, O> = { ...options.req, message: create(options.req.method.input, options.req.message), signal: signal.signal };
  return next(req).then((response) => {
    signal.done();
    return response;
  }, signal.fail);
}
