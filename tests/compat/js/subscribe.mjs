// Drives the official @fal-ai/client against Retouch: its requests are pointed at the server with the client's own
// requestMiddleware (the same hook its proxy support uses); prints one JSON report.
import { fal } from "@fal-ai/client";

const base = process.env.RETOUCH_URL;
const rewrite = (url) =>
  url
    .replace(/^https:\/\/queue\.fal\.run/, `${base}/queue`)
    .replace(/^https:\/\/fal\.run/, base)
    .replace(/^https:\/\/rest\.fal\.ai/, base);

fal.config({
  credentials: process.env.RETOUCH_KEY,
  requestMiddleware: async (request) => ({ ...request, url: rewrite(request.url) }),
});

const png = Buffer.from(process.env.PNG_B64, "base64");
const report = {};
const uploaded = await fal.storage.upload(new Blob([png], { type: "image/png" }));
report.uploaded = uploaded;
const updates = new Set();
const logs = [];
const result = await fal.subscribe("openai/gpt-image-2/edit", {
  input: { prompt: "gray", image_urls: [uploaded] },
  logs: true,
  onQueueUpdate: (update) => {
    updates.add(update.status);
    for (const line of update.logs || []) logs.push(line.message);
  },
});
report.subscribe = { data: result.data, requestId: result.requestId, updates: [...updates], logs };
try {
  await fal.subscribe("openai/gpt-image-2/edit", { input: { prompt: "gray", image_urls: [uploaded], num_images: 99 } });
  report.bad = null;
} catch (error) {
  report.bad = { name: error.name, status: error.status, body: error.body };
}
console.log(JSON.stringify(report));
