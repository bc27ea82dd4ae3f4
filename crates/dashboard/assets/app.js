// llm-cli-gateway dashboard: the live parts (server-sent events). Pages work without it.
"use strict";

function liveRows(body) {
  const source = new EventSource(body.dataset.live);
  source.addEventListener("rows", (event) => { body.innerHTML = event.data; });
}

function liveOutput(box) {
  const source = new EventSource(box.dataset.live);
  const status = document.querySelector(".lead .status");
  source.addEventListener("output", (event) => {
    const chunk = JSON.parse(event.data);
    const pre = document.getElementById(chunk.stream);
    const atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    pre.append(document.createTextNode(chunk.text));
    if (atEnd) pre.scrollTop = pre.scrollHeight;
  });
  source.addEventListener("status", (event) => {
    if (status) { status.textContent = event.data; status.className = "status s-" + event.data; }
  });
  // Finished: reload once so the answer, timings and timeline are shown.
  source.addEventListener("end", () => { source.close(); window.location.reload(); });
}

document.addEventListener("DOMContentLoaded", () => {
  const rows = document.getElementById("job-rows");
  if (rows && rows.dataset.live) liveRows(rows);
  const output = document.querySelector(".output[data-live]");
  if (output) liveOutput(output);
});
