// A web page's script, bundled by the test with esbuild from the installed
// @annals/sdk (its browser entry) and loaded in Chromium. `exercise(protocol)`
// appends, reads back, follows live and provokes a conflict, and reports what it saw.
import { create, createRegistry } from "@bufbuild/protobuf";
import { createAnnalsClient, isEventOf, WrongExpectedRevisionError } from "@annals/sdk";
import { MoneyDepositedSchema, file_annals_bank_v1_events } from "@annals/protocol/bank";

globalThis.exercise = async (protocol) => {
  const client = createAnnalsClient({ baseUrl: location.origin, protocol, registry: createRegistry(file_annals_bank_v1_events) });
  const stream = `browser-${protocol}-${crypto.randomUUID().slice(0, 8)}`;
  const deposit = (amount) => create(MoneyDepositedSchema, { accountId: stream, amount });
  const describe = (event) => `${event.revision} ${isEventOf(event, MoneyDepositedSchema) ? event.message.amount : `undecoded ${event.type}`}`;

  const appended = await client.appendToStream(stream, [deposit("10.00"), deposit("20.00")], { expectedRevision: "no_stream" });
  const read = [];
  for await (const event of client.readStream(stream)) read.push(describe(event));

  const live = client.subscribe({ stream, from: "end" });
  void live.caughtUp.then(() => client.appendToStream(stream, [deposit("30.00")]));
  let followed;
  for await (const event of live) {
    followed = describe(event);
    break;
  }

  let conflict;
  try {
    await client.appendToStream(stream, [deposit("1.00")], { expectedRevision: 0n });
    conflict = "no error";
  } catch (error) {
    conflict =
      error instanceof WrongExpectedRevisionError
        ? { name: error.name, code: error.code, stream: error.stream, expected: String(error.expected), actual: String(error.actual) }
        : `${error?.name}: ${error?.message}`;
  }
  client.close();
  return { stream, revision: String(appended.revision), read, followed, conflict, secureContext: globalThis.isSecureContext };
};
