// Talking to Retouch: the same public API the official clients use (storage upload, queue, stream, estimate).
const APP = "openai/gpt-image-2/edit";

export function authHeaders() {
  const key = localStorage.getItem("retouch.key");
  return key ? { Authorization: `Key ${key}` } : {};
}

// The body of an error, whatever its shape: JSON, or a one-event stream (the stream endpoint answers a refused
// request with its error as a server-sent event, with the same 422).
async function errorBody(response) {
  const text = await response.text().catch(() => "");
  const data = (response.headers.get("Content-Type") || "").includes("event-stream")
    ? text.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5)).join("\n")
    : text;
  try { return JSON.parse(data); } catch { return { detail: text || response.statusText }; }
}

async function json(response) {
  const body = response.ok ? await response.json().catch(() => ({})) : await errorBody(response);
  if (!response.ok) {
    const error = new Error(typeof body.detail === "string" ? body.detail : "request failed");
    error.status = response.status;
    error.body = body;
    throw error;
  }
  return body;
}

export async function config() {
  return json(await fetch("/playground/config"));
}

export async function upload(blob, name) {
  const type = blob.type || "application/octet-stream";
  const start = await json(await fetch("/storage/upload/initiate", {
    method: "POST",
    headers: { "Content-Type": "application/json", ...authHeaders() },
    body: JSON.stringify({ file_name: name, content_type: type }),
  }));
  const put = await fetch(start.upload_url, { method: "PUT", headers: { "Content-Type": type }, body: blob });
  if (!put.ok) throw new Error(`upload failed (${put.status})`);
  return start.file_url;
}

export async function estimate(payload) {
  return json(await fetch(`/${APP}/estimate`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...authHeaders() },
    body: JSON.stringify(payload),
  }));
}

export async function status(requestId) {
  return json(await fetch(`/queue/openai/gpt-image-2/requests/${requestId}/status?logs=1`, { headers: authHeaders() }));
}

export async function result(requestId) {
  return json(await fetch(`/queue/openai/gpt-image-2/requests/${requestId}`, { headers: authHeaders() }));
}

// Runs an edit on the synchronous endpoint (the response is the output).
export async function runSync(payload) {
  return json(await fetch(`/${APP}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...authHeaders() },
    body: JSON.stringify(payload),
  }));
}

// Runs an edit through the queue: submit, call onStart(requestId), poll until done, then fetch the result (which
// answers with the request's error when it failed, e.g. a refusal found while running).
export async function runQueue(payload, { onStart, onStatus }) {
  const submitted = await json(await fetch(`/queue/${APP}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...authHeaders() },
    body: JSON.stringify(payload),
  }));
  onStart(submitted.request_id);
  for (;;) {
    const s = await status(submitted.request_id);
    onStatus(s);
    if (s.status === "COMPLETED") break;
    await new Promise((r) => setTimeout(r, 400));
  }
  return result(submitted.request_id);
}

export async function cancel(requestId) {
  return fetch(`/queue/openai/gpt-image-2/requests/${requestId}/cancel`, { method: "PUT", headers: authHeaders() });
}

// Runs an edit through the streaming endpoint: calls onStart(requestId), onEvent(event) for each partial event,
// and resolves with the final output (the last event). Errors come back as HTTP errors or as a final event.
export async function runStream(payload, { onStart, onEvent }) {
  const response = await fetch(`/${APP}/stream`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "text/event-stream", ...authHeaders() },
    body: JSON.stringify(payload),
  });
  if (!response.ok) await json(response);
  onStart(response.headers.get("X-Fal-Request-Id"));
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let last = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const chunk = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const data = chunk.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5)).join("\n");
      if (!data) continue;
      last = JSON.parse(data);
      if (last.partial) onEvent(last);
    }
  }
  if (last && last.detail) {
    const error = new Error(typeof last.detail === "string" ? last.detail : "the edit failed");
    error.body = last;
    throw error;
  }
  return last;
}
