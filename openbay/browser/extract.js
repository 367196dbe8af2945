// The page's visible text as markdown: headings, paragraphs, lists, links, tables.
() => {
  const out = [];
  const inline = (el) => (el.innerText || el.textContent || "").replace(/\s+/g, " ").trim();
  const BLOCK = /^(P|DIV|SECTION|ARTICLE|MAIN|HEADER|FOOTER|ASIDE|NAV|FORM|FIELDSET|BLOCKQUOTE|PRE|UL|OL|DL|DT|DD|FIGURE|BODY)$/;
  function walk(node, root) {
    for (const el of node.shadowRoot ? [...node.shadowRoot.children, ...node.children] : node.children) {
      if (/^(SCRIPT|STYLE|NOSCRIPT|TEMPLATE|SVG)$/.test(el.tagName)) continue;
      const style = getComputedStyle(el);
      if (style.display === "none" || style.visibility === "hidden") continue;
      const tag = el.tagName;
      if (/^H[1-6]$/.test(tag)) { out.push("#".repeat(+tag[1]) + " " + inline(el)); continue; }
      if (tag === "TABLE") {
        const rows = [...el.rows].map((r) => "| " + [...r.cells].map((c) => inline(c).replace(/\|/g, "/")).join(" | ") + " |");
        if (rows.length) { rows.splice(1, 0, rows[0].replace(/[^|]+/g, " --- ")); out.push(rows.join("\n")); }
        continue;
      }
      if (tag === "LI") { out.push("- " + inline(el)); continue; }
      if (tag === "IFRAME") {
        try { if (el.contentDocument && el.contentDocument.body) walk(el.contentDocument.body); } catch (e) {}
        continue;
      }
      if (tag === "A" && el.href && !el.querySelector("div,p,li,table")) {
        const t = inline(el); if (t) out.push(`[${t}](${el.href})`); continue;
      }
      const hasBlock = [...el.children].some((c) => BLOCK.test(c.tagName) || /^(H[1-6]|TABLE|LI|IFRAME)$/.test(c.tagName)) || el.shadowRoot;
      if (hasBlock) { walk(el); continue; }
      const t = inline(el);
      if (t) out.push(t);
    }
  }
  if (document.body) walk(document.body);
  return `# ${document.title}\n\n` + out.filter((l, i) => l !== out[i - 1]).join("\n\n");
}
