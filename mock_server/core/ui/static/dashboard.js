// The dashboard's script: plain JS, no framework. Every call goes to the documented admin API (ADMIN) or
// to a provider's own API with a credential the admin API gives, so a script can do what a page does.
"use strict";

const ADMIN = document.body.dataset.admin;
const PROVIDERS = JSON.parse(document.getElementById("providers").textContent);
const BY_NAME = Object.fromEntries(PROVIDERS.map((provider) => [provider.name, provider]));
const POLL_MS = 1000;

// --- small helpers -------------------------------------------------------------------------------------

async function call(method, url, body, headers) {
  const init = {method, headers: {...(headers || {})}, credentials: "same-origin"};
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  const response = await fetch(url, init);
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (error) { json = null; }
  return {method, url, status: response.status, ok: response.ok, text, json};
}

async function admin(method, path, body) {
  const answer = await call(method, ADMIN + path, body);
  if (!answer.ok) {
    throw new Error(`${method} ${ADMIN}${path} answered ${answer.status}: ${answer.text}`);
  }
  return answer.json;
}

function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== "" && value !== null && value !== undefined) search.set(name, value);
  }
  const text = search.toString();
  return text ? "?" + text : "";
}

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (name === "onclick") node.addEventListener("click", value);
    else if (value !== null && value !== undefined) node.setAttribute(name, value);
  }
  for (const child of children) {
    node.append(child instanceof Node ? child : String(child ?? ""));
  }
  return node;
}

function pretty(text) {
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch (error) { return text; }
}

function say(message) {
  document.getElementById("status").textContent = message;
}

function fields(form) {
  const values = {};
  for (const [name, value] of new FormData(form)) {
    if (value !== "") values[name] = value;
  }
  return values;
}

function onSubmit(id, handler) {
  const form = document.getElementById(id);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    handler(form).catch((error) => say(String(error.message || error)));
  });
  return form;
}

function uuid() {  // crypto.randomUUID exists only on secure origins; a sandbox may be plain http
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const credentialCache = new Map();

async function credentialHeaders(provider, scope) {
  const key = provider + "\n" + scope;
  if (!credentialCache.has(key)) {
    const answer = await admin("GET", `/credentials/${encodeURIComponent(provider)}${query({scope})}`);
    credentialCache.set(key, answer.headers);
  }
  return credentialCache.get(key);
}

// A call to a provider's own API: `route` as declared ("PATCH /users/{id}"), with the scope's credential.
async function providerCall(providerName, scope, route, userId, body) {
  const provider = BY_NAME[providerName];
  const [method, path] = route.split(" ");
  const headers = {...await credentialHeaders(providerName, scope)};
  const api = provider.users || {};
  if (api.user_header && userId) headers[api.user_header] = userId;
  if (api.idempotency_header && method !== "GET" && method !== "DELETE") headers[api.idempotency_header] = uuid();
  const url = provider.prefix + path.replace("{id}", encodeURIComponent(userId || ""));
  return call(method, url, body, headers);
}

function showAnswer(id, answer) {
  document.getElementById(id).textContent =
    `${answer.method} ${answer.url}\n→ ${answer.status}\n${pretty(answer.text)}`;
}

function poll(task) {
  const run = () => task().catch((error) => say(String(error.message || error)));
  run();
  return setInterval(run, POLL_MS);
}

async function copyText(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch (error) {  // no clipboard API off secure origins: select it for the user instead
    const range = document.createRange();
    range.selectNodeContents(document.getElementById(button.dataset.copy));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
  }
  say("Copied.");
}

// --- overview -------------------------------------------------------------------------------------------

function shellQuote(text) {
  return "'" + text.replaceAll("'", "'\\''") + "'";
}

async function overview() {
  const [scopes, journal] = await Promise.all([admin("GET", "/scopes"), admin("GET", "/requests")]);
  document.getElementById("total-users").textContent = scopes.scopes.reduce((sum, s) => sum + s.users, 0);
  document.getElementById("total-scopes").textContent = scopes.total;
  document.getElementById("total-requests").textContent = journal.total;
  for (const card of document.querySelectorAll("[data-provider]")) {
    const name = card.dataset.provider;
    const mine = scopes.scopes.filter((scope) => scope.provider === name);
    card.querySelector(".users").textContent = mine.reduce((sum, scope) => sum + scope.users, 0);
    card.querySelector(".scopes").textContent = mine.length;
    const base = card.querySelector(".base-url");
    base.textContent = location.origin + base.dataset.prefix;
    const headers = await credentialHeaders(name, card.dataset.scope);
    card.querySelector(".credential").textContent =
      Object.entries(headers).map(([header, value]) => `${header}: ${value}`).join("\n");
    const flags = Object.entries(headers).map(([header, value]) => `-H ${shellQuote(header + ": " + value)}`);
    card.querySelector(".curl").textContent = ["curl", ...flags, shellQuote(location.origin + card.dataset.path)].join(" ");
  }
  for (const button of document.querySelectorAll("button[data-copy]")) {
    button.addEventListener("click", () => copyText(document.getElementById(button.dataset.copy).textContent, button));
  }
}

// --- users ----------------------------------------------------------------------------------------------

let scopeList = [];
let openUser = null;

async function users() {
  scopeList = (await admin("GET", "/scopes")).scopes;
  const search = onSubmit("user-search", searchUsers);
  search.provider.addEventListener("change", () => fillScopes(search));
  fillScopes(search);
  onSubmit("user-edit", editUser);
  document.getElementById("user-delete").addEventListener("click", () => deleteUser().catch((e) => say(e.message)));
  const create = onSubmit("user-create", createUser);
  create.provider.addEventListener("change", () => fillCreate(create));
  fillCreate(create);
  await searchUsers(search);
}

function fillScopes(form) {
  const chosen = form.provider.value;
  form.scope.replaceChildren(el("option", {value: ""}, "Every scope"));
  for (const scope of scopeList.filter((s) => chosen && s.provider === chosen)) {
    form.scope.append(el("option", {value: scope.scope}, `${scope.scope} (${scope.users})`));
  }
}

function fillCreate(form) {
  const provider = BY_NAME[form.provider.value];
  if (!provider) return;
  form.scope.value = provider.fixture_scope;
  form.body.value = JSON.stringify(provider.users.example || {}, null, 2);
}

async function searchUsers(form) {
  const found = await admin("GET", "/users" + query(fields(form)));
  const rows = found.users.map((user) => el("tr", {},
    el("td", {}, BY_NAME[user.provider].title), el("td", {}, user.scope), el("td", {}, user.name),
    el("td", {}, user.email || ""), el("td", {}, el("code", {}, user.id)),
    el("td", {}, el("button", {type: "button", "aria-label": `Open ${user.name} ${user.email || user.id}`,
                               onclick: () => showUser(user).catch((e) => say(e.message))}, "Open"))));
  document.querySelector("#user-table tbody").replaceChildren(...rows);
  say(`${found.total} user${found.total === 1 ? "" : "s"} found.`);
}

async function showUser(user) {
  openUser = user;
  const api = BY_NAME[user.provider].users || {};
  const section = document.getElementById("user-detail");
  section.hidden = false;
  document.getElementById("detail-heading").textContent = `${user.name} (${user.id})`;
  document.getElementById("detail-call").textContent = api.get || "(no route: the stored record)";
  if (api.get) {
    const answer = await providerCall(user.provider, user.scope, api.get, user.id);
    document.getElementById("user-json").textContent = pretty(answer.text);
  } else {
    document.getElementById("user-json").textContent = JSON.stringify(user.record, null, 2);
  }
  const edit = document.getElementById("user-edit");
  edit.hidden = !api.edit;
  document.getElementById("no-edit").hidden = Boolean(api.edit);
  document.getElementById("edit-call").textContent = api.edit || "";
  edit.body.value = JSON.stringify(api.edit_example || {}, null, 2);
  document.getElementById("user-delete").textContent = `Delete user ${user.name}`;
  section.scrollIntoView();
}

async function editUser(form) {
  const api = BY_NAME[openUser.provider].users;
  const answer = await providerCall(openUser.provider, openUser.scope, api.edit, openUser.id, form.body.value);
  showAnswer("user-answer", answer);
  say(answer.ok ? "Saved." : `Refused by the API: ${answer.status}.`);
  if (answer.ok) await showUser(openUser);
}

async function deleteUser() {
  const user = openUser;
  if (!confirm(`Delete ${user.name} (${user.id})? This cannot be undone.`)) return;
  const api = BY_NAME[user.provider].users || {};
  const answer = api.delete
    ? await providerCall(user.provider, user.scope, api.delete, user.id)
    : await call("DELETE", `${ADMIN}/users/${encodeURIComponent(user.provider)}/${encodeURIComponent(user.id)}${query({scope: user.scope})}`);
  showAnswer("user-answer", answer);
  if (answer.ok) {
    document.getElementById("user-detail").hidden = true;
    await searchUsers(document.getElementById("user-search"));
  }
}

async function createUser(form) {
  const provider = form.provider.value;
  const answer = await providerCall(provider, form.scope.value, BY_NAME[provider].users.create, null, form.body.value);
  showAnswer("user-answer", answer);
  say(answer.ok ? "Created." : `Refused by the API: ${answer.status}.`);
  if (answer.ok) {
    scopeList = (await admin("GET", "/scopes")).scopes;
    await searchUsers(document.getElementById("user-search"));
  }
}

// --- journal --------------------------------------------------------------------------------------------

function journal() {
  const form = onSubmit("journal-filter", async () => {
    shown.clear();
    list.replaceChildren();
    await refresh();
  });
  const list = document.getElementById("journal");
  const shown = new Set();
  const refresh = async () => {
    const {live, ...filter} = fields(form);
    const found = await admin("GET", "/requests" + query({...filter, limit: 500}));
    for (const entry of found.requests) {
      const key = [entry.time, entry.method, entry.path, entry.status].join(" ");
      if (shown.has(key)) continue;
      shown.add(key);
      list.prepend(journalEntry(entry));
    }
  };
  poll(() => (form.live.checked ? refresh() : Promise.resolve()));
}

function journalEntry(entry) {
  const request = `${entry.method} ${entry.path}${entry.query ? "?" + entry.query : ""}\n` +
    Object.entries(entry.headers).map(([name, value]) => `${name}: ${value}`).join("\n") +
    (entry.body ? "\n\n" + pretty(entry.body) : "");
  const response = entry.dropped ? "(connection dropped)" : `${entry.status}\n\n${pretty(entry.response_body || "")}`;
  return el("li", {},
    el("details", {},
      el("summary", {}, `${entry.method} ${entry.path} → ${entry.dropped ? "dropped" : entry.status}`,
         el("span", {class: "meta"}, ` ${entry.provider} · ${entry.scope || ""} · ${entry.time}`)),
      el("h3", {}, "Request"), el("pre", {}, request),
      el("h3", {}, "Response"), el("pre", {}, response)));
}

// --- faults ---------------------------------------------------------------------------------------------

async function faults() {
  onSubmit("fault-add", async (form) => {
    const rule = fields(form);
    for (const name of ["status", "times"]) if (name in rule) rule[name] = Number(rule[name]);
    if ("probability" in rule) rule.probability = Number(rule.probability);
    if ("latency_ms" in rule) rule.latency_ms = Number(rule.latency_ms);
    rule.drop = form.drop.checked;
    const answer = await call("POST", ADMIN + "/faults", rule);
    showAnswer("fault-answer", answer);
    say(answer.ok ? "Rule added." : `Refused: ${answer.status}.`);
    await listFaults();
  });
  document.getElementById("faults-clear").addEventListener("click", async () => {
    if (!confirm("Remove every fault rule?")) return;
    await call("DELETE", ADMIN + "/faults");
    await listFaults();
  });
  await listFaults();
}

async function listFaults() {
  const rules = (await admin("GET", "/faults")).faults;
  const effect = (rule) => [rule.status && `status ${rule.status}`, rule.message, rule.drop && "drop",
    rule.latency_ms && `latency ${JSON.stringify(rule.latency_ms)} ms`,
    rule.probability < 1 && `p=${rule.probability}`].filter(Boolean).join(", ");
  const rows = rules.map((rule) => el("tr", {},
    el("td", {}, rule.provider || "any"), el("td", {}, rule.scope || "any"), el("td", {}, rule.method || "any"),
    el("td", {}, el("code", {}, rule.path)), el("td", {}, effect(rule)), el("td", {}, rule.times ?? "always"),
    el("td", {}, rule.hits),
    el("td", {}, el("button", {type: "button", "aria-label": `Remove fault rule ${rule.id}`, onclick: async () => {
      await call("DELETE", `${ADMIN}/faults/${rule.id}`);
      await listFaults();
    }}, "Remove"))));
  document.querySelector("#fault-table tbody").replaceChildren(...rows);
}

// --- messages -------------------------------------------------------------------------------------------

function messages() {
  const form = onSubmit("message-filter", () => refresh());
  const refresh = async () => {
    const found = await admin("GET", "/messages" + query(fields(form)));
    const rows = found.messages.slice().reverse().map((message) => el("tr", {},
      el("td", {}, message.time), el("td", {}, message.provider), el("td", {}, message.scope),
      el("td", {}, el("code", {}, message.user_id)), el("td", {}, message.channel), el("td", {}, message.to),
      el("td", {}, el("strong", {class: "code"}, message.code || "")), el("td", {}, message.body)));
    document.querySelector("#message-table tbody").replaceChildren(...rows);
  };
  poll(refresh);
}

// --- webhooks -------------------------------------------------------------------------------------------

async function webhooks() {
  onSubmit("webhook-credential", showWebhooks);
  const state = await admin("GET", "/webhooks");
  document.getElementById("webhook-state").textContent =
    `Delivery ${state.paused ? "paused" : "running"}; ` +
    Object.entries(state.counts).map(([status, count]) => `${count} ${status}`).join(", ");
  const form = document.getElementById("webhook-credential");
  poll(() => showWebhooks(form));  // a delivery's status moves on (a retry, a replay) without a reload
}

async function showWebhooks(form) {
  const provider = form.provider.value;
  const scope = form.scope.value;
  const api = BY_NAME[provider].webhooks;
  const targets = await providerCall(provider, scope, api.targets);
  const list = targets.json?.data || targets.json || [];
  document.querySelector("#target-table tbody").replaceChildren(...(Array.isArray(list) ? list : []).map(
    (target) => el("tr", {}, el("td", {}, el("code", {}, target.id)), el("td", {}, target.url),
                   el("td", {}, JSON.stringify(target)))));
  if (!targets.ok) showAnswer("webhook-answer", targets);
  const found = await admin("GET", "/webhooks/deliveries" + query({provider, scope}));
  const rows = found.deliveries.map((delivery) => el("tr", {},
    el("td", {}, el("code", {}, delivery.event_id)), el("td", {}, delivery.event_type),
    el("td", {}, delivery.url), el("td", {}, delivery.status + (delivery.is_replay ? " (replay)" : "")),
    el("td", {}, delivery.attempts),
    el("td", {}, delivery.last_response_status ?? delivery.last_error ?? ""),
    el("td", {}, el("button", {type: "button", "aria-label": `Replay event ${delivery.event_id}`, onclick: async () => {
      const answer = await providerCall(provider, scope, api.replay, delivery.event_id);
      showAnswer("webhook-answer", answer);
      say(answer.ok ? "Replay queued." : `Refused by the API: ${answer.status}.`);
      await showWebhooks(form);
    }}, "Replay"))));
  document.querySelector("#delivery-table tbody").replaceChildren(...rows);
}

// --- fixtures and reset ---------------------------------------------------------------------------------

function data() {
  onSubmit("fixtures-load", async (form) => {
    const answer = await call("POST", ADMIN + "/fixtures", {path: form.path.value});
    showAnswer("data-answer", answer);
  });
  onSubmit("reset", async (form) => {
    const what = fields(form);
    const target = what.provider ? BY_NAME[what.provider].title + (what.scope ? ` (scope ${what.scope})` : "") : "every provider";
    if (!confirm(`Reset ${target}? Its users, journal, messages and deliveries are forgotten.`)) {
      say("Reset cancelled.");
      return;
    }
    const answer = await call("POST", ADMIN + "/reset", what);
    showAnswer("data-answer", answer);
    say(answer.ok ? "Reset." : `Refused: ${answer.status}.`);
  });
}

const PAGES = {overview, users, journal, faults, messages, webhooks, data};
Promise.resolve(PAGES[document.body.dataset.page]()).catch((error) => say(String(error.message || error)));
