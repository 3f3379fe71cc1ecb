import { Code, ConnectError } from "@connectrpc/connect";

/**
 * The most bytes a request body may hold: one message of the limit in its
 * 5-byte envelope. Every RPC here takes a single request message, so a longer
 * body is refused as soon as it passes this, on every path, before it is buffered.
 */
export function maxRequestBodyBytes(readMaxBytes: number): number {
  return readMaxBytes + 5;
}

export function requestBodyTooLarge(readMaxBytes: number): ConnectError {
  return new ConnectError(`request body is larger than the message limit (readMaxBytes ${readMaxBytes})`, Code.ResourceExhausted);
}
