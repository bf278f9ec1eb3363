// animerec's web front end: one page over the service's own JSON API, no build step.
// State lives in the address (?user=, ?anime=, ?q=, ?genre=, ?type=, ?sort=, ?page=, ?adult=), so
// deep links and reloads work and the back button walks the history. A visitor without a user id
// gets a row from the titles opened in this tab (sessionStorage), asked of /recommends?items=.

const PAGE_SIZE = 20;
const ROW_SIZE = 10;

const $ = (id) => document.getElementById(id);

/** Reads the page state from the address. */
function stateFromURL() {
  const params = new URLSearchParams(window.location.search);
  const digits = (name) => (/^[0-9]{1,18}$/.test(params.get(name) || "") ? params.get(name) : null);
  const page = Number.parseInt(params.get("page") || "1", 10);
  return {
    user: digits("user"),
    anime: digits("anime"),
    query: params.get("q") || "",
    genre: params.get("genre") || "",
    type: params.get("type") || "",
    sort: ["members", "rating", "name"].includes(params.get("sort")) ? params.get("sort") : "members",
    page: Number.isFinite(page) && page >= 1 ? page : 1,
    adult: params.get("adult") === "1",
  };
}

/** The address for a state (only what differs from the defaults). */
function urlForState(state) {
  const params = new URLSearchParams();
  if (state.user) params.set("user", state.user);
  if (state.anime) params.set("anime", state.anime);
  if (state.query) params.set("q", state.query);
  if (state.genre) params.set("genre", state.genre);
  if (state.type) params.set("type", state.type);
  if (state.sort !== "members") params.set("sort", state.sort);
  if (state.page > 1) params.set("page", String(state.page));
  if (state.adult) params.set("adult", "1");
  const query = params.toString();
  return query ? `/?${query}` : "/";
}

/** An error from the API, with the message of its JSON error body. */
class APIError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(path, options = {}) {
  let response;
  try {
    response = await fetch(path, { headers: { Accept: "application/json" }, ...options });
  } catch (error) {
    throw new APIError(0, "network", "the service could not be reached");
  }
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch (error) {
    throw new APIError(response.status, "bad_response", `unexpected answer (HTTP ${response.status})`);
  }
  if (!response.ok) {
    const detail = body && body.error ? body.error : { code: "http", message: `HTTP ${response.status}` };
    throw new APIError(response.status, detail.code, detail.message);
  }
  return body;
}

function postEvent(kind, user, anime, eventID, recommendationID) {
  const body = { user_id: Number(user), anime_id: Number(anime) };
  if (eventID) body.event_id = eventID;
  if (recommendationID) body.recommendation_id = recommendationID;
  return api(`/${kind}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
  });
}

/** Tells the service which titles a row showed the user (POST /impressions), so that titles shown
 * again and again without a click sink in the user's lists. Best effort: a failure changes nothing
 * on the page. */
function postImpressions(user, items) {
  if (!user || items.length === 0) return;
  api("/impressions", {
    method: "POST",
    keepalive: true,
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(impressionBatch(user, items.slice(0, 100))),
  }).catch(() => {});
}

/** The body of an impression batch; the items of a /recommends answer carry their ids along. */
function impressionBatch(user, items) {
  const batch = { user_id: Number(user), anime_ids: items.map((anime) => anime.anime_id) };
  if (items.every((anime) => anime.recommendation_id)) batch.recommendation_ids = items.map((anime) => anime.recommendation_id);
  return batch;
}

/** A random (version 4) UUID, so that a retried "not interested" is stored once. */
function randomUUID() {
  if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
  const bytes = window.crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** "Not interested" on a card of the user's own row: the title leaves the user's lists (POST
 * /dislikes) and the card says so, with an undo that takes it back (DELETE /dislikes/…). */
function notInterestedControl(item, anime) {
  const user = current.user;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "not-interested";
  button.textContent = "Not interested";
  button.setAttribute("aria-label", `Not interested in ${anime.name}`);
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await postEvent("dislikes", user, anime.anime_id, randomUUID());
    } catch (error) {
      button.disabled = false;
      announce(`Could not mark ${anime.name} as not interesting: ${error.message}.`);
      return;
    }
    const kept = Array.from(item.children);
    const note = document.createElement("p");
    note.className = "dismissed";
    note.textContent = `${anime.name} will not be recommended again. `;
    const undo = document.createElement("button");
    undo.type = "button";
    undo.className = "undo";
    undo.textContent = "Undo";
    undo.setAttribute("aria-label", `Undo: recommend ${anime.name} again`);
    undo.addEventListener("click", async () => {
      undo.disabled = true;
      try {
        await api(`/dislikes/${user}/${anime.anime_id}`, { method: "DELETE" });
      } catch (error) {
        undo.disabled = false;
        announce(`Could not undo: ${error.message}.`);
        return;
      }
      item.classList.remove("is-dismissed");
      item.replaceChildren(...kept);
      button.disabled = false;
      button.focus();
      announce(`${anime.name} can be recommended again.`);
    });
    note.append(undo);
    item.classList.add("is-dismissed");
    item.replaceChildren(note);
    undo.focus();
    announce(`${anime.name} will not be recommended again.`);
  });
  return button;
}

// ---- rendering helpers

function announce(message) {
  $("status").textContent = message;
}

function setState(element, message, kind = "info") {
  element.textContent = message;
  element.dataset.kind = kind;
  element.hidden = message === "";
}

/** A hue and initials drawn from the title, for a cover placeholder made on the spot. */
function paintCover(element, anime) {
  let hash = 0;
  for (const char of String(anime.anime_id)) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  element.style.setProperty("--hue", String((hash * 47) % 360));
  const words = anime.name.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  element.textContent = words.slice(0, 2).map((word) => word[0].toUpperCase()).join("") || "?";
}

function factsLine(anime) {
  const parts = [];
  if (anime.type) parts.push(anime.type);
  if (anime.episodes) parts.push(`${anime.episodes} episode${anime.episodes === 1 ? "" : "s"}`);
  if (anime.rating !== null && anime.rating !== undefined) parts.push(`rated ${anime.rating.toFixed(2)}`);
  parts.push(`${anime.members.toLocaleString("en")} members`);
  return parts.join(" · ");
}

/** A recommendation's reason in words. */
export function reasonText(reason) {
  switch (reason && reason.kind) {
    case "similar_to":
      return reason.name ? `Similar to ${reason.name}, from your history` : "Similar to a title from your history";
    case "genre":
      return `Popular in ${reason.genre}, a genre you like`;
    case "for_you":
      return "Liked by people with tastes like yours";
    case "trending":
      return "Trending now";
    case "popular":
      return "Popular with everyone";
    default:
      return "";
  }
}

/** Fills a list with cards; `source` names the list for the click event. */
function renderCards(list, items, source) {
  list.replaceChildren(
    ...items.map((anime) => {
      const item = document.createElement("li");
      item.className = "card";
      const link = document.createElement("a");
      link.className = "card-link";
      link.href = urlForState({ ...current, anime: String(anime.anime_id) });
      link.dataset.anime = String(anime.anime_id);
      link.dataset.source = source;
      if (anime.recommendation_id) link.dataset.recommendation = anime.recommendation_id;
      const cover = document.createElement("span");
      cover.className = "cover";
      cover.setAttribute("aria-hidden", "true");
      paintCover(cover, anime);
      const title = document.createElement("span");
      title.className = "title";
      title.textContent = anime.name;
      link.append(cover, title);
      const meta = document.createElement("p");
      meta.className = "meta";
      meta.textContent = factsLine(anime);
      item.append(link, meta);
      if (anime.genres.length > 0) {
        const genres = document.createElement("p");
        genres.className = "genres";
        genres.textContent = anime.genres.slice(0, 4).join(", ");
        item.append(genres);
      }
      if (anime.reason) {
        const reason = document.createElement("p");
        reason.className = "reason";
        reason.textContent = reasonText(anime.reason);
        item.append(reason);
      }
      if (source === "for_you" && current.user) item.append(notInterestedControl(item, anime));
      return item;
    }),
  );
}

// ---- titles looked at in this tab (a visitor without a user id)

/** How many titles the session row is made from: the API takes up to 50. */
const LOOKED_AT_MAX = 50;
const LOOKED_AT_KEY = "animerec.lookedAt";

/** The titles opened in this tab, oldest first ({id, name}); kept in the tab's sessionStorage,
 * never sent anywhere but as the `items` of the session row's request. */
function lookedAt() {
  try {
    const stored = JSON.parse(sessionStorage.getItem(LOOKED_AT_KEY) || "[]");
    return Array.isArray(stored) ? stored.filter((entry) => /^[0-9]{1,10}$/.test(String(entry.id))) : [];
  } catch (error) {
    return [];
  }
}

function rememberLookedAt(id, name) {
  const entries = lookedAt().filter((entry) => String(entry.id) !== String(id));
  entries.push({ id: String(id), name });
  try {
    sessionStorage.setItem(LOOKED_AT_KEY, JSON.stringify(entries.slice(-LOOKED_AT_MAX)));
  } catch (error) {
    // Storage full or disabled: the row goes without this title.
  }
}

/** "A", "A and B", "C, B and A": the newest titles first, at most three named. */
function namesOf(entries) {
  const names = entries.slice(-3).reverse().map((entry) => entry.name);
  const more = entries.length > 3 ? ` and ${entries.length - 3} more` : "";
  if (names.length <= 1) return names.join("") + more;
  return more ? `${names.join(", ")}${more}` : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

// ---- sections

let current = stateFromURL();
/** The click being posted for the title being opened; its view is posted after it. */
let pendingClick = Promise.resolve();
/** Incremented per load of a section, so a slow answer never overwrites a newer one. */
const generations = { forYou: 0, trending: 0, browse: 0, anime: 0 };

/** Loads one row of cards from `path` into `#{row}-list`, with its loading, empty and error states. */
async function loadRow({ key, row, path, source, loading, empty, failure, announceFailure = false }) {
  const generation = ++generations[key];
  const list = $(`${row}-list`);
  const state = $(`${row}-state`);
  list.setAttribute("aria-busy", "true");
  setState(state, loading);
  try {
    const items = await api(path);
    if (generation !== generations[key]) return;
    renderCards(list, items, source);
    setState(state, items.length === 0 ? empty : "");
    if (source === "for_you" || source === "trending") postImpressions(current.user, items);
  } catch (error) {
    if (generation !== generations[key]) return;
    list.replaceChildren();
    setState(state, `${failure}: ${error.message}.`, "error");
    if (announceFailure) announce(`${failure}: ${error.message}.`);
  } finally {
    if (generation === generations[key]) list.removeAttribute("aria-busy");
  }
}

function loadForYou() {
  const adult = current.adult ? "&include_adult=true" : "";
  if (!current.user) {
    const looked = lookedAt();
    if (looked.length === 0) {
      ++generations.forYou;
      $("for-you-title").textContent = "For you";
      $("for-you-list").replaceChildren();
      setState($("for-you-state"), "Enter a user id above, or open a few titles, to see recommendations.");
      return;
    }
    // A visitor without a user id: a row from the titles opened in this tab.
    $("for-you-title").textContent = `Because you looked at ${namesOf(looked)}`;
    const items = looked.map((entry) => entry.id).join(",");
    return loadRow({
      key: "forYou", row: "for-you", path: `/recommends?items=${items}&limit=${ROW_SIZE}${adult}`, source: "session",
      loading: "Loading titles like the ones you opened…",
      empty: "Nothing to recommend from these titles yet.",
      failure: "Could not load recommendations", announceFailure: true,
    });
  }
  $("for-you-title").textContent = "For you";
  return loadRow({
    key: "forYou", row: "for-you", path: `/recommends/${current.user}?limit=${ROW_SIZE}${adult}`, source: "for_you",
    loading: `Loading recommendations for user ${current.user}…`,
    empty: `No recommendations for user ${current.user} yet.`,
    failure: "Could not load recommendations", announceFailure: true,
  });
}

function loadTrending() {
  const adult = current.adult ? "&include_adult=true" : "";
  return loadRow({
    key: "trending", row: "trending", path: `/trending?limit=${ROW_SIZE}${adult}`, source: "trending",
    loading: "Loading what is trending…", empty: "Nothing is trending yet.", failure: "Could not load trending titles",
  });
}

async function loadBrowse() {
  const generation = ++generations.browse;
  const list = $("browse-list");
  const state = $("browse-state");
  const params = new URLSearchParams();
  if (current.query) params.set("query", current.query);
  if (current.genre) params.set("genre", current.genre);
  if (current.type) params.set("type", current.type);
  params.set("sort", current.sort);
  params.set("limit", String(PAGE_SIZE));
  params.set("offset", String((current.page - 1) * PAGE_SIZE));
  if (current.adult) params.set("include_adult", "true");
  list.setAttribute("aria-busy", "true");
  setState(state, current.query ? `Searching for “${current.query}”…` : "Loading the catalogue…");
  try {
    const page = await api(`/anime?${params.toString().replaceAll("+", "%20")}`);
    if (generation !== generations.browse) return;
    renderCards(list, page.items, "browse");
    const pages = Math.max(1, Math.ceil(page.total / PAGE_SIZE));
    const what = current.query ? `for “${current.query}”` : "in the catalogue";
    if (page.total === 0) {
      setState(state, current.query ? `No titles match “${current.query}”.` : "No titles match these filters.");
    } else {
      setState(state, `${page.total.toLocaleString("en")} title${page.total === 1 ? "" : "s"} ${what}.`);
    }
    $("page-label").textContent = page.total === 0 ? "" : `Page ${current.page} of ${pages}`;
    $("prev-page").disabled = current.page <= 1;
    $("next-page").disabled = current.page >= pages;
    if (current.query) announce(`${page.total} result${page.total === 1 ? "" : "s"} for “${current.query}”.`);
  } catch (error) {
    if (generation !== generations.browse) return;
    list.replaceChildren();
    setState(state, `Could not load the catalogue: ${error.message}.`, "error");
    $("prev-page").disabled = true;
    $("next-page").disabled = true;
  } finally {
    if (generation === generations.browse) list.removeAttribute("aria-busy");
  }
}

async function loadFacets() {
  try {
    const facets = await api(`/facets${current.adult ? "?include_adult=true" : ""}`);
    const fill = (select, values, selected, any) => {
      const options = [new Option(any, "")];
      for (const value of values) options.push(new Option(`${value.name} (${value.count})`, value.name));
      select.replaceChildren(...options);
      select.value = values.some((value) => value.name === selected) ? selected : "";
    };
    fill($("genre-select"), facets.genres, current.genre, "Any genre");
    fill($("type-select"), facets.types, current.type, "Any type");
  } catch (error) {
    setState($("browse-state"), `Could not load genres and types: ${error.message}.`, "error");
  }
}

async function loadAnime(recordView) {
  const generation = ++generations.anime;
  const view = $("anime-view");
  if (!current.anime) {
    view.hidden = true;
    return;
  }
  view.hidden = false;
  const title = $("anime-title");
  title.textContent = "Loading…";
  $("anime-facts").replaceChildren();
  $("similar-list").replaceChildren();
  setState($("similar-state"), "Loading similar titles…");
  const id = current.anime;
  try {
    const adult = current.adult ? "?include_adult=true" : "";
    const [anime, similar] = await Promise.all([api(`/anime/${id}`), api(`/sim/${id}${adult}`)]);
    if (generation !== generations.anime) return;
    title.textContent = anime.name;
    document.title = `${anime.name} · animerec`;
    paintCover($("anime-cover"), anime);
    const facts = [
      ["Type", anime.type || "unknown"],
      ["Episodes", anime.episodes ? String(anime.episodes) : "unknown"],
      ["Rating", anime.rating !== null ? anime.rating.toFixed(2) : "not rated"],
      ["Members", anime.members.toLocaleString("en")],
      ["Genres", anime.genres.join(", ") || "none listed"],
    ];
    $("anime-facts").replaceChildren(
      ...facts.flatMap(([term, value]) => {
        const dt = document.createElement("dt");
        dt.textContent = term;
        const dd = document.createElement("dd");
        dd.textContent = value;
        return [dt, dd];
      }),
    );
    renderCards($("similar-list"), similar, "similar");
    setState($("similar-state"), similar.length === 0 ? "No similar titles yet." : "");
    if (!current.user) {
      // Opened in this tab (a deep link or a reload too): the visitor's row follows it.
      rememberLookedAt(id, anime.name);
      loadForYou();
    }
    if (recordView && current.user) {
      await pendingClick;
      await postEvent("views", current.user, id);
      if (generation === generations.anime) loadForYou();
    }
  } catch (error) {
    if (generation !== generations.anime) return;
    title.textContent = error.status === 404 ? "Title not found" : "Could not load this title";
    document.title = "animerec";
    setState($("similar-state"), error.status === 404 ? `There is no anime ${id}.` : `${error.message}.`, "error");
    announce(error.status === 404 ? `There is no anime ${id}.` : `Could not load anime ${id}: ${error.message}.`);
  }
}

// ---- navigation

/** Shows `next`, loading only the sections whose inputs changed. */
function render(next, { recordView = false, focusAnime = false } = {}) {
  const previous = current;
  current = next;
  $("user-input").value = current.user || "";
  $("search-input").value = current.query;
  $("sort-select").value = current.sort;
  $("adult-input").checked = current.adult;
  const first = previous === null;
  const changed = (...keys) => first || keys.some((key) => previous[key] !== current[key]);
  if (changed("user", "adult")) loadForYou();
  if (changed("adult")) {
    loadTrending();
    loadFacets();
  } else {
    $("genre-select").value = current.genre;
    $("type-select").value = current.type;
  }
  if (changed("query", "genre", "type", "sort", "page", "adult")) loadBrowse();
  if (changed("anime", "user", "adult")) loadAnime(recordView && changed("anime"));
  if (!current.anime) document.title = "animerec";
  if (focusAnime && current.anime) $("anime-title").focus();
}

function navigate(changes, options = {}) {
  const next = { ...current, ...changes };
  history.pushState(null, "", urlForState(next));
  render(next, options);
}

function wire() {
  $("user-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = $("user-input").value.trim();
    if (value !== "" && !/^[0-9]{1,18}$/.test(value)) {
      announce("A user id is a whole number, like 42.");
      $("user-input").setAttribute("aria-invalid", "true");
      return;
    }
    $("user-input").removeAttribute("aria-invalid");
    navigate({ user: value || null });
    announce(value ? `Showing recommendations for user ${value}.` : "No user chosen.");
  });
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    navigate({ query: $("search-input").value.trim(), page: 1 });
    $("browse").scrollIntoView({ block: "start" });
  });
  $("browse-form").addEventListener("submit", (event) => {
    event.preventDefault();
    navigate({
      genre: $("genre-select").value,
      type: $("type-select").value,
      sort: $("sort-select").value,
      adult: $("adult-input").checked,
      page: 1,
    });
  });
  $("prev-page").addEventListener("click", () => navigate({ page: Math.max(1, current.page - 1) }));
  $("next-page").addEventListener("click", () => navigate({ page: current.page + 1 }));
  // Every card link opens its title; from a list it is a click on that item.
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a");
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    if (link.dataset.anime) {
      event.preventDefault();
      const anime = link.dataset.anime;
      if (current.user) {
        pendingClick = postEvent("clicks", current.user, anime, null, link.dataset.recommendation).catch((error) =>
          announce(`The click was not recorded: ${error.message}.`),
        );
      }
      navigate({ anime }, { recordView: true, focusAnime: true });
    } else if (link.dataset.nav === "close" || link.dataset.nav === "home") {
      event.preventDefault();
      navigate(link.dataset.nav === "home" ? { anime: null, query: "", genre: "", type: "", page: 1 } : { anime: null });
      $("main").focus();
    }
  });
  window.addEventListener("popstate", () => render(stateFromURL(), { focusAnime: true }));
}

wire();
const initial = current;
current = null;
render(initial, { recordView: true });
