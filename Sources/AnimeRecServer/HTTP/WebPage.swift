/// A single self-contained page to try the API in a browser: a user's recommendations with
/// their reasons, similar anime, and buttons that post clicks and views (and show their effect).
enum WebPage {
    static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>animerec</title>
    <style>
      body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 960px; padding: 0 1rem; color: #222; }
      h1 { margin-bottom: .2rem; } .sub { color: #666; margin-top: 0; }
      form { display: flex; gap: .5rem; align-items: center; margin: 1rem 0; flex-wrap: wrap; }
      input { padding: .4rem; width: 9rem; } button { padding: .4rem .8rem; cursor: pointer; }
      .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(280px, 1fr)); gap: .8rem; }
      .card { border: 1px solid #ddd; border-radius: 8px; padding: .8rem; }
      .card h3 { margin: 0 0 .3rem; font-size: 1rem; } .meta { color: #555; font-size: .85rem; }
      .reason { background: #eef5ff; border-radius: 4px; padding: .1rem .4rem; font-size: .8rem; display: inline-block; margin: .3rem 0; }
      .actions button { font-size: .8rem; margin-right: .3rem; } .error { color: #b00020; }
    </style>
    </head>
    <body>
    <h1>animerec</h1>
    <p class="sub">Recommendations for a user, similar anime, and events that change the next list at once.</p>
    <form id="user-form">
      <label>User id <input id="user" inputmode="numeric" value="1"></label>
      <label><input type="checkbox" id="adult"> include adult titles</label>
      <button>Recommend</button>
    </form>
    <form id="sim-form">
      <label>Anime id <input id="anime" inputmode="numeric" value="32281"></label>
      <button>Similar</button>
    </form>
    <div id="status"></div>
    <div id="results" class="grid"></div>
    <script>
    const results = document.getElementById("results"), status = document.getElementById("status");
    const esc = s => String(s).replace(/[&<>"']/g, c => ({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;","'":"&#39;"}[c]));
    function reasonText(r) {
      if (!r) return "";
      switch (r.kind) {
        case "similar_to": return "because you liked " + (r.name || ("#" + r.anime_id));
        case "genre": return "you like " + r.genre;
        case "for_you": return "picked for you";
        case "trending": return "trending now";
        default: return "popular";
      }
    }
    function card(a, user) {
      const meta = [a.type, a.episodes != null ? a.episodes + " ep" : null, a.rating != null ? "★ " + a.rating : null,
                    a.members.toLocaleString() + " members"].filter(Boolean).join(" · ");
      return `<div class="card"><h3>${esc(a.name)}</h3><div class="meta">${esc(a.genres.join(", "))}</div>
        <div class="meta">${esc(meta)}</div>${a.reason ? `<span class="reason">${esc(reasonText(a.reason))}</span>` : ""}
        <div class="actions">${user != null ? `<button data-kind="clicks" data-id="${a.anime_id}">click</button>
        <button data-kind="views" data-id="${a.anime_id}">view</button>` : ""}
        <button data-sim="${a.anime_id}">similar</button></div></div>`;
    }
    async function show(url, user) {
      status.textContent = "Loading " + url + " …"; status.className = "";
      const response = await fetch(url), body = await response.json();
      if (!response.ok) { status.textContent = body.error.message; status.className = "error"; results.innerHTML = ""; return; }
      status.textContent = url + " — " + body.length + " items";
      results.innerHTML = body.map(a => card(a, user)).join("");
    }
    const adult = () => document.getElementById("adult").checked ? "&include_adult=true" : "";
    const recommend = () => { const u = document.getElementById("user").value.trim(); return show(`/recommends/${encodeURIComponent(u)}?limit=12${adult()}`, u); };
    document.getElementById("user-form").onsubmit = e => { e.preventDefault(); recommend(); };
    document.getElementById("sim-form").onsubmit = e => { e.preventDefault();
      show(`/sim/${encodeURIComponent(document.getElementById("anime").value.trim())}?limit=12${adult()}`, null); };
    results.onclick = async e => {
      const b = e.target.closest("button"); if (!b) return;
      if (b.dataset.sim) { document.getElementById("anime").value = b.dataset.sim; return show(`/sim/${b.dataset.sim}?limit=12${adult()}`, null); }
      const user = document.getElementById("user").value.trim();
      const response = await fetch("/" + b.dataset.kind, { method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ user_id: user, anime_id: Number(b.dataset.id) }) });
      if (response.ok) recommend(); else { const body = await response.json(); status.textContent = body.error.message; status.className = "error"; }
    };
    recommend();
    </script>
    </body>
    </html>
    """#
}
