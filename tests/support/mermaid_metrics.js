// Every Mermaid diagram JupyterLab drew on the page (an <img> of an SVG), measured as shown:
// each label's font size in screen pixels (its CSS size times the image's scale), labels whose
// boxes overlap, and flowchart edges that run behind a box that is neither of their ends.
// Evaluated by tests/test_diagrams.py in Chromium (page.evaluate).
async () => {
  const results = [];
  for (const img of document.querySelectorAll('.jp-RenderedMermaid img')) {
    const shown = img.getBoundingClientRect();
    const svgText = decodeURIComponent(img.src.slice(img.src.indexOf(',') + 1));
    const holder = document.createElement('div');
    holder.style.cssText = `position:absolute;left:0;top:0;width:${shown.width}px;visibility:hidden`;
    document.body.appendChild(holder);
    holder.innerHTML = svgText.slice(svgText.indexOf('<svg'));
    const svg = holder.querySelector('svg');
    const box = svg.viewBox.baseVal;
    svg.setAttribute('width', shown.width); svg.setAttribute('height', shown.width * box.height / box.width);
    svg.style.maxWidth = 'none';
    const scale = shown.width / box.width;
    const labels = [];
    for (const el of svg.querySelectorAll('text, foreignObject span, foreignObject p')) {
      const text = (el.textContent || '').trim();
      if (!text || el.querySelector('span, p')) continue;
      const r = el.getBoundingClientRect();
      if (!r.width) continue;
      const px = parseFloat(getComputedStyle(el).fontSize) * scale;
      labels.push({text: text.slice(0, 50), px: Math.round(px * 10) / 10, x: r.x, y: r.y, w: r.width, h: r.height});
    }
    const overlaps = [];
    for (let i = 0; i < labels.length; i++) for (let j = i + 1; j < labels.length; j++) {
      const a = labels[i], b = labels[j];
      const dx = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
      const dy = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
      if (dx > 1 && dy > 1) overlaps.push([a.text, b.text]);
    }
    const nodes = [...svg.querySelectorAll('g.node')].map(n => ({name: n.id.replace(/^.*flowchart-/, '').replace(/-\d+$/, ''), r: n.getBoundingClientRect()}));
    const names = nodes.map(n => n.name);
    const behind = [];
    for (const path of svg.querySelectorAll('path.flowchart-link')) {
      const edge = path.id.replace(/^.*L_/, '').replace(/_\d+$/, '');
      const ends = [];
      for (const a of names) for (const b of names) if (edge === a + '_' + b) ends.push(a, b);
      const total = path.getTotalLength();
      const ctm = path.getScreenCTM();
      for (let k = 1; k < 40; k++) {
        const p = path.getPointAtLength(total * k / 40);
        const x = ctm.a * p.x + ctm.c * p.y + ctm.e, y = ctm.b * p.x + ctm.d * p.y + ctm.f;
        for (const n of nodes) {
          if (ends.includes(n.name)) continue;
          if (x > n.r.x + 2 && x < n.r.x + n.r.width - 2 && y > n.r.y + 2 && y < n.r.y + n.r.height - 2) behind.push(edge + ' behind ' + n.name);
        }
      }
    }
    results.push({width: shown.width, viewBox: box.width, scale, labels, min: Math.min(...labels.map(l => l.px)),
                  overlaps, behind: [...new Set(behind)]});
    holder.remove();
  }
  return results;
}
