// The page of another origin in the CORS test: the EventStore client of @connectrpc/connect-web, as any web app would use it.
import { createClient, ConnectError, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { EventStore } from "@annals/protocol";

async function exercise(baseUrl: string, protocol: "connect" | "grpc-web", token: string | undefined): Promise<Record<string, unknown>> {
  const bearer: Interceptor = (next) => (request) => {
    if (token) request.header.set("authorization", `Bearer ${token}`);
    return next(request);
  };
  const options = { baseUrl, interceptors: [bearer] };
  const client = createClient(EventStore, protocol === "connect" ? createConnectTransport(options) : createGrpcWebTransport(options));
  const stream = `web-${protocol}-${crypto.randomUUID()}`;
  const event = (amount: string) => ({ type: "web.Deposited", contentType: "application/json", data: new TextEncoder().encode(JSON.stringify({ amount })) });
  try {
    const appended = await client.append({ stream, events: [event("10")] });
    const read: string[] = [];
    for await (const response of client.readStream({ stream })) for (const recorded of response.events) read.push(`${recorded.revision} ${new TextDecoder().decode(recorded.data)}`);
    const controller = new AbortController();
    let followed = "";
    for await (const message of client.subscribe({ target: { case: "stream", value: stream }, from: { case: "end", value: {} } }, { signal: controller.signal })) {
      if (message.kind.case === "caughtUp") await client.append({ stream, events: [event("20")] });
      if (message.kind.case === "events") {
        followed = `${message.kind.value.events[0]!.revision}`;
        controller.abort();
        break;
      }
    }
    return { stream, revision: String(appended.revision), read, followed };
  } catch (error) {
    return { stream, code: ConnectError.from(error).code, message: ConnectError.from(error).rawMessage };
  }
}

(globalThis as { exercise?: typeof exercise }).exercise = exercise;
