import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { createAnnalsClient, protoEvent, type AnnalsClient } from "@annals/sdk";
import { MoneyDepositedSchema } from "@annals/protocol/bank";
import { readSchemaFiles } from "@annals/server/schemas";
import { startTestServer, type TestServer } from "@annals/server/testing";
import { createAuthenticator } from "@annals/server";
import { createTestCredentials, type TestCredentials } from "@annals/server/testing/credentials";

const consoleRoot = fileURLToPath(new URL("../", import.meta.url));
const repository = fileURLToPath(new URL("../../../", import.meta.url));
/** Screenshots of every page, for a person to look at (git-ignored). */
const output = join(consoleRoot, "test-output");
const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const json = (value: unknown) => ({ type: "test.Noted", contentType: "application/json", data: new TextEncoder().encode(JSON.stringify(value)) });

// The console's production build, served by a real server (SQLite, the bank's
// event types registered as a deployment would, with buf build), in headless
// Chromium: every page, the token, and the time from an append to the live page.
describe("the web console in a real browser", () => {
  const work = mkdtempSync(join(tmpdir(), "annals-console-"));
  const dist = join(work, "dist");
  let test: TestServer;
  /** A second server on the same database that requires a token: the real authentication. */
  let gate: TestServer;
  let credentials: TestCredentials;
  let client: AnnalsClient;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  let gzippedKiB = 0;

  beforeAll(async () => {
    const started = performance.now();
    await build({ configFile: join(consoleRoot, "vite.config.ts"), logLevel: "warn", build: { outDir: dist, emptyOutDir: true } });
    const assets = readdirSync(join(dist, "assets"));
    gzippedKiB = assets.reduce((sum, file) => sum + gzipSync(readFileSync(join(dist, "assets", file))).byteLength, 0) / 1024;
    const schemas = join(work, "bank.binpb");
    execFileSync(join(repository, "node_modules/.bin/buf"), ["build", "--path", "proto/annals/bank/v1/events.proto", "-o", schemas], { cwd: repository });
    test = await startTestServer({ server: { console: dist, schemas: readSchemaFiles([schemas]) } });
    credentials = await createTestCredentials({ console: { grants: { admin: true } } });
    gate = await startTestServer({
      database: test.database,
      server: { console: dist, schemas: readSchemaFiles([schemas]), authenticator: await createAuthenticator({ apiKeysFile: credentials.apiKeysFile }) },
    });
    client = createAnnalsClient({ baseUrl: test.url });
    await seed(client);
    mkdirSync(output, { recursive: true });
    context = await chromium.launchPersistentContext(join(work, "profile"), {
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: chromiumArgs,
      viewport: { width: 1280, height: 860 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      // Chrome logs each answer with an error status (the refused token's 401s): the assertions say what happened.
      if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) problems.push(`console: ${message.text()}`);
    });
    console.log(`console built (${assets.join(", ")}: ${gzippedKiB.toFixed(1)} KiB gzipped), server seeded, Chromium up in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    client?.close();
    await gate?.stop();
    credentials?.remove();
    await test?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const shot = (name: string) => page.screenshot({ path: join(output, `${name}.png`), fullPage: false });
  const rows = (selector: string) => page.locator(selector).allInnerTexts();

  it("builds a production bundle under 250 kB gzipped, with no CDN", () => {
    expect(gzippedKiB).toBeGreaterThan(0);
    expect(gzippedKiB * 1024).toBeLessThan(250_000);
    const index = readFileSync(join(dist, "index.html"), "utf8");
    expect(index).not.toMatch(/https?:\/\//);
    // Nothing of Node made it into the bundle (the SDK's browser entry, not its Node one).
    const scripts = readdirSync(join(dist, "assets")).filter((file) => file.endsWith(".js"));
    expect(scripts).toHaveLength(1);
    const code = readFileSync(join(dist, "assets", scripts[0]!), "utf8");
    expect(code).not.toMatch(/["']node:|connect-node|createGrpcTransport/);
  });

  it("opens at / (redirected to /console/) on the streams list, with each stream's counts and last write", async () => {
    await page.goto(`${test.url}/`);
    expect(new URL(page.url()).pathname).toBe("/console/");
    await page.getByTestId("stream-row").first().waitFor();
    const listed = await rows("[data-testid=stream-row]");
    expect(listed.some((row) => row.startsWith("account-json\taccount\t3\t2\t"))).toBe(true);
    expect(listed.some((row) => row.startsWith("account-proto\taccount\t1\t0\t"))).toBe(true);
    // The last write, e.g. "2026-12-01 23:10:05.123 3 s ago".
    expect(listed.find((row) => row.startsWith("account-json"))).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}/);
    await shot("streams");
  });

  it("pages through the streams of a category, forwards and back", async () => {
    await page.goto(`${test.url}/console/#/streams?category=order&size=10`);
    const names = async () => (await rows("[data-testid=stream-row]")).map((row) => row.split("\t")[0]);
    const expectPage = async (first: number, count: number) => {
      const expected = Array.from({ length: count }, (_, index) => `order-${String(first + index).padStart(2, "0")}`);
      await expect.poll(names, { timeout: 5_000 }).toEqual(expected);
    };
    await expectPage(0, 10);
    await page.getByTestId("next").click();
    await expectPage(10, 10);
    await page.getByTestId("next").click();
    await expectPage(20, 5);
    expect(await page.getByTestId("next").isDisabled()).toBe(true);
    await page.getByTestId("previous").click();
    await expectPage(10, 10);
    // The name prefix narrows within the category.
    await page.fill("input[name=prefix]", "1");
    await page.press("input[name=prefix]", "Enter");
    await expectPage(10, 10);
    await shot("streams-paged");
  });

  it("shows a stream's events with their JSON payloads, newest first, paginated", async () => {
    await page.goto(`${test.url}/console/#/stream/account-json`);
    const first = page.getByTestId("event").first();
    await first.waitFor();
    expect(await first.getAttribute("data-revision")).toBe("2");
    expect(await first.getByTestId("payload").innerText()).toBe(JSON.stringify({ amount: "30.00", note: "third" }, null, 2));
    expect(await first.innerText()).toContain("actor");
    await page.getByTestId("oldest-first").click();
    await expect.poll(() => page.getByTestId("event").first().getAttribute("data-revision")).toBe("0");
    await shot("stream");

    // 45 events, 20 a page: newest first, then older.
    await page.goto(`${test.url}/console/#/stream/ledger-long`);
    const revisions = () => page.locator("[data-testid=event]").evaluateAll((cards) => cards.map((card) => Number(card.getAttribute("data-revision"))));
    await expect.poll(revisions).toEqual(Array.from({ length: 20 }, (_, index) => 44 - index));
    await page.getByTestId("next").click();
    await expect.poll(revisions).toEqual(Array.from({ length: 20 }, (_, index) => 24 - index));
    await page.getByTestId("next").click();
    await expect.poll(revisions).toEqual([4, 3, 2, 1, 0]);
    expect(await page.getByTestId("next").isDisabled()).toBe(true);
  });

  it("decodes a protobuf event through the registered schemas, and links it to its place in $all", async () => {
    await page.goto(`${test.url}/console/#/stream/account-proto`);
    const card = page.getByTestId("event").first();
    await card.waitFor();
    await expect.poll(() => card.getByTestId("payload").innerText()).toBe(JSON.stringify({ accountId: "A-7", amount: "12.50" }, null, 2));
    expect(await card.innerText()).toContain("protobuf → JSON");
    const position = await card.getAttribute("data-position");
    await card.locator("a.position").click();
    const highlighted = page.locator(".event.highlight");
    await highlighted.waitFor();
    expect(await highlighted.getAttribute("data-position")).toBe(position);
    expect(await highlighted.innerText()).toContain("account-proto");
    await shot("all");
  });

  it("follows $all live: an event appended after the page opened shows within a second", async () => {
    await page.goto(`${test.url}/console/#/live`);
    await page.getByTestId("caught-up").waitFor();
    const latencies: number[] = [];
    for (let round = 0; round < 5; round += 1) {
      const stream = `live-${round}-${Date.now()}`;
      // In the page (a script: this file is checked without the DOM's types): when the row is
      // there, the next frame's time. The script's value is a string, so that this waits only for the observer.
      await page.evaluate(`window.appeared = new Promise((resolve) => {
        const observer = new MutationObserver(() => {
          if (!document.querySelector('[data-testid=live-event][data-stream="${stream}"]')) return;
          observer.disconnect();
          requestAnimationFrame(() => resolve(Date.now()));
        });
        observer.observe(document.body, { childList: true, subtree: true });
      }), "observing"`);
      const appendedAt = Date.now();
      await client.appendToStream(stream, [json({ round })]);
      const appearedAt = (await page.evaluate("window.appeared")) as number;
      latencies.push(appearedAt - appendedAt);
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    console.log(`append → row on the live page: ${latencies.join(", ")} ms (median ${sorted[2]} ms, max ${sorted[4]} ms)`);
    for (const latency of latencies) expect(latency).toBeLessThan(1_000);
    await expect.poll(async () => Number.parseFloat(await page.getByTestId("rate").innerText())).toBeGreaterThan(0);
    expect(await page.getByTestId("live-status").innerText()).toBe("live");
    await shot("live");

    // Paused, nothing new shows; resumed, what was appended meanwhile comes first.
    await page.getByTestId("pause").click();
    await expect.poll(() => page.getByTestId("live-status").innerText()).toBe("paused");
    await client.appendToStream("live-while-paused", [json({ paused: true })]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await page.locator('[data-testid=live-event][data-stream="live-while-paused"]').count()).toBe(0);
    await page.getByTestId("pause").click();
    await page.locator('[data-testid=live-event][data-stream="live-while-paused"]').waitFor({ timeout: 5_000 });
  });

  it("follows a category with a type prefix, showing nothing of the tail it left", async () => {
    // The unfiltered tail, paused and resumed: at least two caught-up marks on screen
    // (the page may be on this tail already, with marks of its own).
    await page.goto(`${test.url}/console/#/live`);
    await page.getByTestId("caught-up").first().waitFor();
    await page.getByTestId("pause").click();
    await expect.poll(() => page.getByTestId("live-status").innerText()).toBe("paused");
    await page.getByTestId("pause").click();
    await expect.poll(() => page.getByTestId("caught-up").count()).toBeGreaterThanOrEqual(2);
    // Whenever the page changes under the new filters, it counts the caught-up marks the
    // next frame shows: what is painted, not a DOM state between the hash's change and
    // the render it causes (a render of the old tail, due before the hash changed, can
    // fall in between; no frame shows it).
    await page.evaluate(`window.marks = [];
      new MutationObserver(() => requestAnimationFrame(() => {
        if (location.hash.includes("category=")) window.marks.push(document.querySelectorAll("[data-testid=caught-up]").length);
      })).observe(document.body, { childList: true, subtree: true, characterData: true, attributes: true });
      "observing"`);
    await page.goto(`${test.url}/console/#/live?category=account-&type=annals.bank.`);
    await page.getByTestId("caught-up").waitFor();
    // The frame that paints the mark may still be due when the mark is in the DOM: poll
    // until a frame has counted it. A frame that ever showed two keeps the maximum at two.
    await expect.poll(async () => Math.max(...((await page.evaluate("window.marks")) as number[]))).toBe(1);
    await client.appendToStream("account-json", [json({ ignored: true })]);
    await client.appendToStream("order-00", [protoEvent(MoneyDepositedSchema, create(MoneyDepositedSchema, { accountId: "X", amount: "1.00" }))]);
    await client.appendToStream("account-proto", [protoEvent(MoneyDepositedSchema, create(MoneyDepositedSchema, { accountId: "A-7", amount: "5.00" }))]);
    const row = page.locator('[data-testid=live-event][data-stream="account-proto"]');
    await row.waitFor();
    expect(await row.innerText()).toContain('{"accountId":"A-7","amount":"5.00"}');
    expect(await page.getByTestId("live-event").count()).toBe(1);
  });

  it("lists checkpoints with their lag against the head", async () => {
    const head = (await client.appendToStream("checkpointed", [json({ last: true })])).position;
    await client.setCheckpoint("projector-a", head);
    await client.setCheckpoint("projector-b", head - 10n);
    await page.goto(`${test.url}/console/#/checkpoints`);
    await page.getByTestId("checkpoint-row").first().waitFor();
    const listed = await rows("[data-testid=checkpoint-row]");
    expect(listed.map((row) => row.split("\t").slice(0, 3))).toEqual([
      ["projector-a", String(head), "up to date"],
      ["projector-b", String(head - 10n), "10"],
    ]);
    await shot("checkpoints");
  });

  it("shows the server's backend, version, uptime, health and charts from its metrics", async () => {
    await page.goto(`${test.url}/console/#/server`);
    const facts = page.getByTestId("server-facts");
    await facts.waitFor();
    const text = await facts.innerText();
    expect(text).toContain("SERVING");
    expect(text).toContain("sqlite (better-sqlite3)");
    expect(text).toMatch(/Version\s+\d+\.\d+\.\d+/);
    expect(text).toMatch(/Uptime\s+\d+ (ms|s|min)/);
    // Two scrapes make the first point of appends/s.
    await expect.poll(() => page.locator("[data-testid=chart-appends] polyline").count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await shot("server");
  });

  it("says plainly when the server refuses the token, and works with the right one", async () => {
    await page.goto(`${gate.url}/console/#/streams`);
    const error = page.getByTestId("error");
    await error.waitFor();
    expect(await error.innerText()).toMatch(/^The server requires a token\. .*unauthenticated.*Enter a valid token/);
    await page.fill("[data-testid=token]", "wrong-token");
    await page.click("[data-testid=use-token]");
    await expect.poll(() => error.innerText()).toMatch(/^The server refused the token\. the token is not valid here \(unauthenticated\)\. Enter a valid token/);
    await shot("token-refused");
    await page.goto(`${gate.url}/console/#/server`);
    await expect.poll(() => page.getByTestId("error").innerText()).toMatch(/^The server refused the token\./);
    await page.fill("[data-testid=token]", credentials.apiKey("console"));
    await page.click("[data-testid=use-token]");
    await page.getByTestId("server-facts").waitFor();
    await page.click("[data-testid=nav-streams]");
    await page.getByTestId("stream-row").first().waitFor();
    expect(await page.getByTestId("error").count()).toBe(0);
  });

  it("logged no error in the page", () => {
    expect(problems).toEqual([]);
  });
});

/** Streams for every page: JSON and protobuf events, a category of 25 streams, a long stream. */
async function seed(client: AnnalsClient): Promise<void> {
  await client.appendToStream(
    "account-json",
    [
      { ...json({ amount: "10.00", note: "first" }), metadata: { actor: "ada" } },
      { ...json({ amount: "20.00", note: "second" }), metadata: { actor: "ada" } },
      { ...json({ amount: "30.00", note: "third" }), metadata: { actor: "grace", correlation_id: "c-1" } },
    ],
    { expectedRevision: "no_stream" },
  );
  await client.appendToStream("account-proto", [protoEvent(MoneyDepositedSchema, create(MoneyDepositedSchema, { accountId: "A-7", amount: "12.50" }))]);
  for (let index = 0; index < 25; index += 1) await client.appendToStream(`order-${String(index).padStart(2, "0")}`, [json({ order: index })]);
  await client.appendToStream("ledger-long", Array.from({ length: 45 }, (_, index) => json({ line: index })));
}
