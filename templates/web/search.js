// The search box: hidden until this script runs, and the Pagefind index (pagefind/ at the site's root)
// is loaded only once a reader types. Browsers do not load modules over file://; served over http it works.
const form = document.querySelector(".site-search");
if (form) {
  const input = form.querySelector("input");
  const status = form.querySelector(".search-status");
  const list = form.querySelector(".search-results");
  const root = new URL(form.dataset.root, document.baseURI);
  let pagefind = null;
  let timer = 0;
  let asked = 0; // the latest search: slower answers to earlier ones are dropped

  // The index was cut into words by Pagefind's Chinese segmenter (jieba) when the site was built. On a
  // zh-CN page Pagefind would cut the query again with the browser's segmenter (ICU), which cuts differently
  // (芯片 becomes 芯|片, and nothing matches both halves). So Pagefind is started while the page names no
  // language, and the query is cut here: as typed first, then by the browser's segmenter if that finds nothing.
  const load = async () => {
    if (!pagefind) {
      const lang = document.documentElement.lang;
      document.documentElement.lang = "";
      try {
        pagefind = await import(new URL("pagefind/pagefind.js", root).href);
        await pagefind.options({ baseUrl: root.pathname, excerptLength: 24 });
        await pagefind.init();
      } finally {
        document.documentElement.lang = lang;
      }
    }
    return pagefind;
  };

  const words = (query) => {
    if (!("Segmenter" in Intl)) return query;
    const segmenter = new Intl.Segmenter("zh-CN", { granularity: "word" });
    return [...segmenter.segment(query)].filter((part) => part.isWordLike).map((part) => part.segment).join(" ");
  };

  const find = async (query) => {
    const engine = await load();
    let search = await engine.search(query);
    if (!search.results.length && words(query) !== query) search = await engine.search(words(query));
    return search;
  };

  const item = (url, title, excerpt) => {
    const li = document.createElement("li");
    const link = document.createElement("a");
    link.href = url;
    link.textContent = title;
    const text = document.createElement("p");
    text.innerHTML = excerpt; // Pagefind's excerpt: the page's text, escaped, with <mark> around the matches
    li.append(link, text);
    return li;
  };

  const show = async (query) => {
    const ticket = ++asked;
    list.replaceChildren();
    if (!query.trim()) {
      status.textContent = "";
      return;
    }
    status.textContent = "正在搜索…";
    try {
      const search = await find(query);
      const pages = await Promise.all(search.results.slice(0, 6).map((result) => result.data()));
      if (ticket !== asked) return;
      for (const page of pages) {
        const parts = page.sub_results.filter((part) => part.url !== page.url).slice(0, 3);
        const entry = item(page.url, page.meta.title, (parts[0] || page).excerpt);
        if (parts.length > 1) {
          const sub = document.createElement("ul");
          for (const part of parts.slice(1)) sub.append(item(part.url, part.title, part.excerpt));
          entry.append(sub);
        }
        list.append(entry);
      }
      status.textContent = pages.length ? `找到 ${search.results.length} 期含“${query}”` : `没有找到“${query}”`;
    } catch (error) {
      status.textContent = "搜索暂时不可用（需通过网站访问，而非直接打开文件）";
    }
  };

  form.addEventListener("submit", (event) => { event.preventDefault(); show(input.value); });
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => show(input.value), 200); });
  input.addEventListener("keydown", (event) => { if (event.key === "Escape") { input.value = ""; show(""); } });
  form.hidden = false;
  const asked_for = new URLSearchParams(location.search).get("q"); // a shared search link: ?q=芯片
  if (asked_for) {
    input.value = asked_for;
    show(asked_for);
  }
}
