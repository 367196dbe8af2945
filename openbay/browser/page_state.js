// Page state in one evaluation: indexed interactive elements and visible text,
// across same-origin iframes and open shadow roots, skipping hidden and covered
// elements. Elements are kept in window.__obEls (index -> element) so actions can
// find them again without marking the DOM. Cross-origin frames run this same
// function themselves (the caller passes the next free index as `start`).
(args) => {
  const start = args.start || 1, margin = args.margin ?? 1.0;
  const maxText = args.maxText ?? 80, textBudget = args.textBudget ?? 3000;
  const TAGS = new Set(["A", "BUTTON", "INPUT", "SELECT", "TEXTAREA", "SUMMARY"]);
  const ROLES = new Set(["button", "link", "checkbox", "radio", "tab", "menuitem", "menuitemcheckbox",
    "menuitemradio", "option", "combobox", "switch", "textbox", "listbox", "slider", "spinbutton",
    "searchbox", "treeitem", "gridcell"]);
  const SKIP = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "HEAD", "META", "LINK", "SVG", "PATH"]);
  const PLAIN = "a,button,input,select,textarea,[onclick],[role],[tabindex],[contenteditable],iframe";
  const ATTRS = ["type", "name", "role", "placeholder", "aria-label", "title", "alt", "href",
    "aria-expanded", "aria-checked", "aria-selected"];
  const els = {};
  const lines = [];
  let idx = start, above = 0, below = 0, textLeft = textBudget;

  const clip = (s, n) => { s = (s || "").replace(/\s+/g, " ").trim(); return s.length > n ? s.slice(0, n) + "…" : s; };
  const q = (s) => '"' + String(s).replace(/"/g, "'") + '"';

  function interactive(el, style, parentCursor) {
    const tag = el.tagName;
    if (tag === "INPUT") return el.type !== "hidden";
    if (TAGS.has(tag)) return tag !== "A" || el.hasAttribute("href") || el.hasAttribute("onclick");
    const role = el.getAttribute("role");
    if (role && ROLES.has(role)) return true;
    if (el.hasAttribute("onclick") || el.hasAttribute("contenteditable") && el.isContentEditable) return true;
    const ti = el.getAttribute("tabindex");
    if (ti !== null && +ti >= 0) return true;
    if (tag === "LABEL" && el.control && !shown(el.control)) return true;  // styled checkbox/file input
    return style.cursor === "pointer" && parentCursor !== "pointer";
  }

  function shown(el) {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 1 && r.height > 1 && s.visibility !== "hidden" && +s.opacity > 0;
  }

  // topmost element at a point, looking through open shadow roots and same-origin iframes' hosts
  function hits(el, r, win) {
    const root = el.getRootNode();
    const pts = [[0.5, 0.5], [0.25, 0.25], [0.75, 0.25], [0.25, 0.75], [0.75, 0.75]];
    let checked = false;
    for (const [fx, fy] of pts) {
      const x = r.left + r.width * fx, y = r.top + r.height * fy;
      if (x < 0 || y < 0 || x >= win.innerWidth || y >= win.innerHeight) continue;
      checked = true;
      let top = root.elementFromPoint(x, y);
      while (top && top.shadowRoot && top !== el) {  // pierce open shadow roots below `root`
        const deeper = top.shadowRoot.elementFromPoint(x, y);
        if (!deeper || deeper === top) break;
        top = deeper;
      }
      if (!top || top === el || el.contains(top) || top.contains(el)) return true;
      if (el.tagName === "LABEL" || top.tagName === "LABEL" && top.control === el) return true;
    }
    return !checked && !clipped(el, r, win);  // off-screen: only a scroll box can hide it
  }

  // outside the visible part of a scrolling ancestor (a box to scroll first)
  function clipped(el, r, win) {
    for (let p = el.parentElement; p && p !== el.ownerDocument.body; p = p.parentElement) {
      const ov = win.getComputedStyle(p).overflowY;
      if (ov === "visible") continue;
      const pr = p.getBoundingClientRect();
      if (r.bottom <= pr.top || r.top >= pr.bottom) return true;
    }
    return false;
  }

  function describe(el) {
    const tag = el.tagName.toLowerCase();
    let attrs = "";
    for (const a of ATTRS) {
      let v = el.getAttribute(a);
      if (v === null || v === "" || (a === "role" && v === tag)) continue;
      if (a === "href") { if (v.startsWith("javascript:")) continue; v = clip(v, 60); }
      attrs += ` ${a}=${q(clip(v, 60))}`;
    }
    if (tag === "input" || tag === "textarea") {
      if (el.type === "checkbox" || el.type === "radio") attrs += el.checked ? " checked" : "";
      else if (el.type !== "password" && el.value) attrs += ` value=${q(clip(el.value, 60))}`;
    }
    if (el.disabled) attrs += " disabled";
    let text;
    if (tag === "select") {
      const opts = Array.from(el.options).slice(0, 12).map((o) => (o.selected ? "*" : "") + clip(o.text, 30));
      text = opts.join(" | ") + (el.options.length > 12 ? ` | …(${el.options.length} options)` : "");
    } else if ((tag === "input" || tag === "textarea") && el.labels && el.labels.length) {
      text = clip(el.labels[0].textContent, maxText);
    } else if (tag === "label" && el.control) {
      text = clip(el.textContent, maxText) + ` (for ${el.control.type || el.control.tagName.toLowerCase()})`;
    } else {
      text = clip(el.textContent || el.getAttribute("value") || "", maxText);
      if (!text) { const img = el.querySelector && el.querySelector("img[alt]"); if (img) text = clip(img.alt, maxText); }
    }
    return `<${tag}${attrs}>${text}` + (text ? `</${tag}>` : "");
  }

  function describeBox(el) {
    const tag = el.tagName.toLowerCase(), below = el.scrollHeight - el.clientHeight - el.scrollTop;
    return `<${tag} scrollable ${Math.round(below)}px-more-below>${clip(el.textContent, maxText)}</${tag}>`;
  }

  function hasOwnText(el) {
    for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 3 && /\S/.test(n.data)) return true;
    return false;
  }

  function ownText(el) {
    let t = "";
    for (const n of el.childNodes) if (n.nodeType === 3) t += n.textContent;
    return t.replace(/\s+/g, " ").trim();
  }

  function walk(parent, win, dy, parentCursor, inInteractive, depth) {
    const kids = parent.shadowRoot ? [...parent.shadowRoot.children, ...parent.children] : parent.children;
    for (const el of kids) {
      if (SKIP.has(el.tagName)) continue;
      const style = win.getComputedStyle(el);
      if (style.display === "none") continue;
      let isInteractive = false, r = null;
      if (!inInteractive || el.tagName === "INPUT" || el.tagName === "SELECT") {
        isInteractive = interactive(el, style, parentCursor);
      }
      const scrollable = !isInteractive && (style.overflowY === "auto" || style.overflowY === "scroll") &&
        el.scrollHeight > el.clientHeight + 8 && el !== document.body && el !== document.documentElement;
      if (scrollable) isInteractive = true;
      if (isInteractive || el.tagName === "IFRAME") r = el.getBoundingClientRect();
      if (isInteractive && r.width > 1 && r.height > 1 && style.visibility !== "hidden" && +style.opacity > 0) {
        const topY = r.top + dy;
        if (topY + r.height < -margin * innerHeight) above++;
        else if (topY > innerHeight * (1 + margin)) below++;
        else if (hits(el, r, win)) {
          els[idx] = el;
          lines.push(`[${idx}]${scrollable ? describeBox(el) : describe(el)}`);
          idx++;
        }
      } else if (el.tagName === "TR" && !inInteractive && !el.querySelector(PLAIN)) {
        // a table row of plain text: one line, cells apart (long tables stay short)
        const rr = el.getBoundingClientRect(), y = rr.top + dy;
        if (textLeft > 0 && rr.height > 0 && y + rr.height >= -margin * innerHeight && y <= innerHeight * (1 + margin)) {
          const s = clip([...el.cells].map((c) => clip(c.textContent, 60)).join(" | "), Math.min(300, textLeft));
          textLeft -= s.length;
          if (s) lines.push(`  ${s}`);
        }
        continue;
      } else if (!inInteractive && textLeft > 0 && style.visibility !== "hidden") {
        // where first, then what: on a long page most text is out of the window, and
        // collecting it is dearer than the box
        if (hasOwnText(el)) {
          const rr = el.getBoundingClientRect(), y = rr.top + dy;
          if (rr.height > 0 && y + rr.height >= -margin * innerHeight && y <= innerHeight * (1 + margin)) {
            const s = clip(ownText(el), Math.min(200, textLeft));
            textLeft -= s.length;
            if (s) lines.push(`  ${s}`);
          }
        }
      }
      if (el.tagName === "IFRAME") {
        let doc = null;
        try { doc = el.contentDocument; } catch (e) { doc = null; }
        if (doc && doc.body && r.width > 1 && r.height > 1 && hits(el, r, win)) {
          lines.push(`  [iframe ${clip(el.getAttribute("title") || el.getAttribute("name") || el.src, 60)}]`);
          walk(doc.body, el.contentWindow, dy + r.top, "auto", false, depth + 1);
        }
        continue;
      }
      walk(el, win, dy, style.cursor, inInteractive || isInteractive && !scrollable && el.tagName !== "LABEL", depth + 1);
    }
  }

  const ok = innerWidth > 0 && innerHeight > 0 && document.body;
  if (ok) walk(document.body, window, 0, "auto", false, 0);
  window.__obEls = Object.assign(window.__obEls && args.keep ? window.__obEls : {}, els);
  const se = document.scrollingElement || document.documentElement;
  return {
    url: location.href, title: document.title, lines, next: idx, above, below,
    fingerprint: location.href + "#" + document.getElementsByTagName("*").length,
    scrollY: Math.round(scrollY), scrollHeight: se ? se.scrollHeight : 0, viewport: innerHeight,
    moreText: textLeft <= 0,
  };
}
