// Drives the official @fal-ai/client, unchanged, against Retouch; prints one JSON report on its last line.
//
// The client builds https://fal.run/…, https://queue.fal.run/… and https://rest.fal.ai/… itself; its own
// requestMiddleware hook (the one its proxyUrl support is built on) rewrites those to the server under test. The
// second step of an upload (PUT to the URL the server handed back) uses plain fetch and goes to that URL as is.
import { fal, ValidationError } from "@fal-ai/client";

const APP = "openai/gpt-image-2/edit";
const base = process.env.RETOUCH_URL;
const called = [];
const rewrite = (url) =>
  url
    .replace(/^https:\/\/queue\.fal\.run/, `${base}/queue`)
    .replace(/^https:\/\/fal\.run/, base)
    .replace(/^https:\/\/rest\.fal\.ai/, base);

fal.config({
  credentials: process.env.RETOUCH_KEY,
  requestMiddleware: async (request) => {
    const url = rewrite(request.url);
    if (!url.startsWith(base)) throw new Error(`refusing to call ${url}: not the server under test`);
    called.push(`${request.method} ${new URL(url).pathname}`);
    return { ...request, url };
  },
});

const png = Buffer.from(process.env.PNG_B64, "base64");
const blob = () => new Blob([png], { type: "image/png" });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const caught = async (fn) => {
  try {
    return { returned: await fn(), raised: null };
  } catch (error) {
    return {
      raised: error.name,
      status: error.status,
      body: error.body,
      fieldErrors: error instanceof ValidationError ? error.fieldErrors : undefined,
      message: String(error.message).slice(0, 300),
    };
  }
};

const report = {};
report.uploaded = await fal.storage.upload(blob());

// subscribe, polling the status URL, with logs and every queue option the client has.
const updates = [];
let enqueued = null;
const polled = await fal.subscribe(APP, {
  input: { prompt: "gray", image_urls: [report.uploaded] },
  logs: true,
  pollInterval: 50,
  priority: "low",
  hint: "gpu-a100",
  startTimeout: 30,
  onEnqueue: (id) => (enqueued = id),
  onQueueUpdate: (update) => updates.push(update),
});
report.polling = { data: polled.data, requestId: polled.requestId, enqueued, updates };

// subscribe over the status stream (SSE), with a Blob in the input that the client uploads by itself.
const streamed = [];
const viaStream = await fal.subscribe(APP, {
  input: { prompt: "gray", image_urls: [blob()] },
  logs: true,
  mode: "streaming",
  onQueueUpdate: (update) => streamed.push(update.status),
});
report.streaming = { data: viaStream.data, statuses: streamed };

// fal.stream: partial events, then the output as the last event.
const stream = await fal.stream(APP, { input: { prompt: "gray", image_urls: [report.uploaded] } });
const events = [];
for await (const event of stream) events.push(event);
report.stream = { count: events.length, partials: events.filter((e) => e.partial).length, done: await stream.done() };

// The queue by hand: one worker, a slow job running, another waiting; cancel both.
const slow = await fal.queue.submit(APP, { input: { prompt: "gray", image_urls: [report.uploaded], engine: "slowgray" } });
for (let i = 0; i < 200; i++) {
  const s = await fal.queue.status(APP, { requestId: slow.request_id });
  if (s.status === "IN_PROGRESS") break;
  await sleep(20);
}
const waiting = await fal.queue.submit(APP, { input: { prompt: "gray", image_urls: [report.uploaded] } });
report.queue = {
  submitted: { status: slow.status, hasUrls: Boolean(slow.status_url && slow.response_url && slow.cancel_url) },
  waiting: await fal.queue.status(APP, { requestId: waiting.request_id }),
  cancelWaiting: await caught(() => fal.queue.cancel(APP, { requestId: waiting.request_id })),
  cancelRunning: await caught(() => fal.queue.cancel(APP, { requestId: slow.request_id })),
};
for (let i = 0; i < 200; i++) {
  const s = await fal.queue.status(APP, { requestId: slow.request_id });
  if (s.status === "COMPLETED") break;
  await sleep(20);
}
report.queue.finalStatus = await fal.queue.status(APP, { requestId: slow.request_id, logs: true });
report.queue.result = await caught(() => fal.queue.result(APP, { requestId: slow.request_id }));

// fal.run (the sync endpoint) and the errors.
report.run = await fal.run(APP, { input: { prompt: "gray", image_urls: [report.uploaded], sync_mode: true } });
report.bad = await caught(() =>
  fal.subscribe(APP, { input: { prompt: "gray", image_urls: [report.uploaded], num_images: 99 } }),
);
report.badStream = await caught(async () => {
  const s = await fal.stream(APP, { input: { prompt: "gray", image_urls: [report.uploaded], num_images: 99 } });
  return await s.done();
});
report.called = called;
console.log(JSON.stringify(report));
