// The playground page: inputs, mask, settings, a run with live logs and previews, results, history.
import * as api from "./api.js";
import { MaskPainter } from "./mask.js";

const $ = (id) => document.getElementById(id);
const state = { images: [], running: null };
const painter = new MaskPainter($("mask"), $("mask-base"));

function showError(field, message) {
  const target = document.querySelector(`.error[data-field="${field}"]`) || document.querySelector('.error[data-field="request"]');
  target.textContent = message;
}

function clearErrors() {
  document.querySelectorAll(".error").forEach((el) => { el.replaceChildren(); });
}

// A refusal from the engine: its explanation, the words it did not understand, what it can do, which engines could.
function showRefusal(item) {
  const target = document.querySelector('.error[data-field="prompt"]');
  const [said, can] = String(item.msg || "").split(/ The classic engine can do: /);
  const box = document.createElement("div");
  box.className = "refusal";
  box.setAttribute("data-testid", "refusal");
  const message = document.createElement("p");
  message.className = "refusal-message";
  message.textContent = said;
  box.append(message);
  const rows = [
    ["Not understood", (item.not_understood || []).join(", ")],
    ["Engines that could", (item.capable_engines || []).join(", ")],
  ];
  const list = document.createElement("dl");
  for (const [label, value] of rows) {
    if (!value) continue;
    const dt = document.createElement("dt");
    dt.textContent = label;
    const dd = document.createElement("dd");
    dd.textContent = value;
    list.append(dt, dd);
  }
  box.append(list);
  if (can) {  // long: folded, one click away
    const more = document.createElement("details");
    const summary = document.createElement("summary");
    summary.textContent = "The engine can do";
    const what = document.createElement("p");
    what.textContent = can.replace(/\.? For this request.*$/, "");
    more.append(summary, what);
    box.append(more);
  }
  target.replaceChildren(box);
}

function showApiError(error) {
  const detail = error.body && error.body.detail;
  if (Array.isArray(detail)) {
    for (const item of detail) {
      if (item.type === "engine_refusal") { showRefusal(item); continue; }
      const field = (item.loc || []).filter((p) => p !== "body").map(String)[0] || "request";
      showError(field, item.msg);
    }
  } else {
    showError("request", typeof detail === "string" ? detail : error.message);
  }
}

// -- inputs -----------------------------------------------------------------------------------------------------
async function addBlob(blob, name) {
  clearErrors();
  const preview = URL.createObjectURL(blob);
  const entry = { name, preview, url: null };
  state.images.push(entry);
  renderThumbs();
  try {
    entry.url = await api.upload(blob, name);
  } catch (error) {
    showError("image_urls", `${name}: ${error.message}`);
    state.images.splice(state.images.indexOf(entry), 1);
  }
  renderThumbs();
  scheduleEstimate();
}

function addUrl(url) {
  state.images.push({ name: url, preview: url, url });
  renderThumbs();
  scheduleEstimate();
}

function renderThumbs() {
  const list = $("thumbs");
  list.replaceChildren();
  state.images.forEach((img, i) => {
    const li = document.createElement("li");
    const pic = document.createElement("img");
    pic.src = img.preview;
    pic.alt = `Input ${i + 1}: ${img.name}${img.url ? "" : " (uploading…)"}`;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "×";
    remove.setAttribute("aria-label", `Remove input ${i + 1}`);
    remove.addEventListener("click", () => { state.images.splice(i, 1); renderThumbs(); scheduleEstimate(); });
    li.append(pic, remove);
    list.append(li);
  });
  const first = state.images[0];
  if (first && $("mask-base").dataset.src !== first.preview) {
    $("mask-base").dataset.src = first.preview;
    $("mask-base").src = first.preview;
  }
  $("mask-wrap").hidden = !first;  // no image yet: nothing to paint on, and no empty image box
}

$("mask-base").addEventListener("load", () => painter.reset($("mask-base").naturalWidth, $("mask-base").naturalHeight));
$("file").addEventListener("change", (e) => { for (const f of e.target.files) addBlob(f, f.name); e.target.value = ""; });
const drop = $("drop");
drop.addEventListener("click", () => $("file").click());
drop.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); $("file").click(); } });
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  for (const f of e.dataTransfer.files) if (f.type.startsWith("image/")) addBlob(f, f.name);
});
document.addEventListener("paste", (e) => {
  for (const item of e.clipboardData.items) {
    if (item.type.startsWith("image/")) addBlob(item.getAsFile(), "pasted.png");
  }
});
$("url-form").addEventListener("submit", (e) => { e.preventDefault(); if ($("url").value) addUrl($("url").value); $("url").value = ""; });
$("brush").addEventListener("input", (e) => { painter.brush = Number(e.target.value); });
$("eraser").addEventListener("change", (e) => { painter.eraser = e.target.checked; });
$("mask-clear").addEventListener("click", () => painter.clear());
$("mask-invert").addEventListener("click", () => painter.invert());
$("mask-file").addEventListener("change", (e) => { if (e.target.files[0]) painter.load(e.target.files[0]); });
$("image_size").addEventListener("change", () => {
  document.querySelectorAll(".custom").forEach((el) => { el.hidden = $("image_size").value !== "custom"; });
  scheduleEstimate();
});
for (const id of ["quality", "num_images", "output_format", "engine", "width", "height"]) $(id).addEventListener("change", scheduleEstimate);
$("prompt").addEventListener("input", scheduleEstimate);
$("api-key").addEventListener("change", (e) => localStorage.setItem("retouch.key", e.target.value));

// -- the request --------------------------------------------------------------------------------------------------
function payload() {
  const body = {
    prompt: $("prompt").value,
    image_urls: state.images.filter((i) => i.url).map((i) => i.url),
    quality: $("quality").value,
    num_images: Number($("num_images").value),
    output_format: $("output_format").value,
    engine: $("engine").value || undefined,
  };
  const size = $("image_size").value;
  body.image_size = size === "custom" ? { width: Number($("width").value), height: Number($("height").value) } : size;
  if ($("seed").value !== "") body.seed = Number($("seed").value);
  return body;
}

let estimateTimer = null;
function scheduleEstimate() {
  clearTimeout(estimateTimer);
  estimateTimer = setTimeout(async () => {
    const body = payload();
    if (!body.image_urls.length || !body.prompt.trim()) { $("estimate").textContent = ""; return; }
    try {
      const est = await api.estimate(body);
      $("estimate").textContent = `Estimated cost: $${est.cost.toFixed(4)} (${est.output_size.width}×${est.output_size.height}, $${est.per_image} per image)`;
    } catch (error) {
      $("estimate").textContent = "";
    }
  }, 400);
}

function log(line) {
  $("logs").textContent += line + "\n";
  $("logs").scrollTop = $("logs").scrollHeight;
}

async function pollQueue(requestId) {
  while (state.running === requestId) {
    try {
      const s = await api.status(requestId);
      if (state.running !== requestId) return;  // finished while this status was on its way: keep the final word
      if (s.status === "IN_QUEUE") $("status").textContent = `In queue, position ${s.queue_position}`;
      else if (s.status === "IN_PROGRESS") $("status").textContent = "Running…";
      else return;
    } catch { return; }
    await new Promise((r) => setTimeout(r, 500));
  }
}

$("edit-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  clearErrors();
  if (!state.images.length) { showError("image_urls", "Add at least one image."); return; }
  if (state.images.some((i) => !i.url)) { showError("image_urls", "Wait for the uploads to finish."); return; }
  const body = payload();
  $("run").disabled = true;
  $("logs").textContent = "";
  $("preview").replaceChildren();
  try {
    if (painter.painted) body.mask_image_url = await api.upload(await painter.toBlob(), "mask.png");
    const onStart = (id) => { state.running = id; $("cancel").hidden = false; $("status").textContent = "Submitted"; };
    const mode = $("mode").value;
    let output;
    if (mode === "sync") {
      $("status").textContent = "Running…";
      output = await api.runSync(body);
    } else if (mode === "queue") {
      output = await api.runQueue(body, {
        onStart,
        onStatus: (s) => {
          $("status").textContent = s.status === "IN_QUEUE" ? `In queue, position ${s.queue_position}` : "Running…";
          $("logs").textContent = (s.logs || []).map((l) => l.message).join("\n");
        },
      });
    } else {
      output = await api.runStream(body, {
        onStart: (id) => { onStart(id); pollQueue(id); },
        onEvent: (event) => {
          for (const line of event.logs || []) log(line.message);
          if (event.images) {
            const img = document.createElement("img");
            img.src = event.images[0].url;
            img.alt = "Preview of the edit in progress";
            $("preview").replaceChildren(img);
          }
        },
      });
    }
    $("status").textContent = "Done";
    $("preview").replaceChildren();
    showResults(state.running, body, output);
    remember(state.running, body, output);
  } catch (error) {
    $("status").textContent = error.body && Array.isArray(error.body.detail)
      && error.body.detail.some((d) => d.type === "engine_refusal") ? "Refused" : "Failed";
    showApiError(error);
  } finally {
    state.running = null;
    $("run").disabled = false;
    $("cancel").hidden = true;
  }
});
$("cancel").addEventListener("click", () => { if (state.running) api.cancel(state.running); });

// -- results and history -------------------------------------------------------------------------------------------
function showResults(requestId, body, output) {
  const list = $("results");
  list.replaceChildren();
  output.images.forEach((image, i) => {
    const li = document.createElement("li");
    const img = document.createElement("img");
    img.src = image.url;
    img.alt = `Result ${i + 1} for “${body.prompt}”`;
    img.className = "result-image";
    const meta = document.createElement("p");
    meta.className = "meta";
    meta.textContent = `${image.width}×${image.height} · ${image.content_type} · seed ${output.seed} · $${(output.cost ?? 0).toFixed(4)}`;
    const row = document.createElement("div");
    row.className = "row";
    const download = document.createElement("a");
    download.href = image.url;
    download.download = image.file_name || `retouch-${i}.png`;
    download.textContent = "Download";
    const next = document.createElement("button");
    next.type = "button";
    next.textContent = "Use as next input";
    next.addEventListener("click", () => { state.images = [{ name: image.file_name, preview: image.url, url: image.url }]; renderThumbs(); $("prompt").focus(); });
    row.append(download, next);
    li.append(img, meta, row);
    list.append(li);
  });
}

function remember(requestId, body, output) {
  const history = JSON.parse(localStorage.getItem("retouch.history") || "[]");
  history.unshift({ requestId, prompt: body.prompt, at: Date.now(), thumb: output.images[0] && output.images[0].url });
  localStorage.setItem("retouch.history", JSON.stringify(history.slice(0, 50)));
  renderHistory();
}

function renderHistory() {
  const history = JSON.parse(localStorage.getItem("retouch.history") || "[]");
  const list = $("history");
  list.replaceChildren();
  for (const item of history) {
    const li = document.createElement("li");
    const open = document.createElement("button");
    open.type = "button";
    open.textContent = `${new Date(item.at).toLocaleString()} — ${item.prompt}`;
    open.addEventListener("click", async () => {
      try { showResults(item.requestId, item, await api.result(item.requestId)); } catch (error) { showApiError(error); }
    });
    li.append(open);
    list.append(li);
  }
}

// -- start -------------------------------------------------------------------------------------------------------
(async () => {
  const cfg = await api.config();
  for (const name of cfg.engines) {
    const option = document.createElement("option");
    option.value = name;
    option.textContent = name === cfg.default_engine ? `${name} (default)` : name;
    option.selected = name === cfg.default_engine;
    $("engine").append(option);
  }
  $("num_images").max = cfg.max_num_images;
  $("auth").hidden = !cfg.auth;
  $("api-key").value = localStorage.getItem("retouch.key") || "";
  $("engine-note").textContent = `Engines: ${cfg.engines.join(", ")}.`;
  renderHistory();
})();
