// The portal's only script: live updates (pages/live.rs). When an order shown on the page
// changes, its fresh row or article replaces the old one, marked "updated". Without this
// script the pages work the same, only not live.
"use strict";
(function () {
  const live = document.getElementById("live");
  if (!live || !window.EventSource) return;
  const status = document.getElementById("live-status");
  const events = new EventSource(live.dataset.liveEvents + "?after=" + encodeURIComponent(live.dataset.liveAfter));
  // Closed as the page goes: a browser holds a few connections per server, and a stream left
  // open by each page visited would take them all.
  window.addEventListener("pagehide", function () {
    events.close();
  });
  events.onmessage = async function (message) {
    let id;
    try {
      id = JSON.parse(message.data).event.order.id;
    } catch (_) {
      return;
    }
    const shown = document.getElementById("order-" + id);
    if (!shown) return;
    const part = shown.tagName === "TR" ? "row" : "order";
    const answer = await fetch("/portal/orders/" + encodeURIComponent(id) + "?part=" + part, { credentials: "same-origin" });
    if (!answer.ok) return;
    const template = document.createElement("template");
    template.innerHTML = (await answer.text()).trim();
    const fresh = template.content.firstElementChild;
    if (!fresh) return;
    fresh.classList.add("updated");
    const badge = document.createElement("span");
    badge.className = "badge-updated";
    badge.textContent = live.dataset.updated;
    const heading = fresh.querySelector("th, h1");
    (heading || fresh).appendChild(badge);
    shown.replaceWith(fresh);
    status.textContent = id + " " + live.dataset.updated;
  };
})();
