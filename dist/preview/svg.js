import { hex } from "./palette.js";
const FONT = "font-family=\"DejaVu Sans, sans-serif\"";
export function escapeXml(text) {
    return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
export function textOverlay(layout, colours) {
    const parts = [];
    for (const p of layout.panels) {
        const mid = p.y + p.height / 2 + 6;
        parts.push(`<text x="${p.x + 4}" y="${p.y + 13}" font-size="11" fill="#ffd24d" ${FONT}>${p.view} ${p.plane.slice + 1}</text>`, `<text x="${p.x + 3}" y="${mid}" font-size="15" font-weight="bold" fill="#ffd24d" ${FONT}>${p.plane.edges[0]}</text>`, `<text x="${p.x + p.width - 3}" y="${mid}" font-size="15" font-weight="bold" fill="#ffd24d" text-anchor="end" ${FONT}>${p.plane.edges[1]}</text>`);
    }
    layout.legend.entries.forEach((e, n) => {
        const s = e.swatch;
        parts.push(`<rect x="${s.x}" y="${s.y}" width="${s.width}" height="${s.height}" fill="${hex(colours[n])}"/>`, `<text x="${e.label.x}" y="${e.label.y + 16}" font-size="14" fill="#ffffff" ${FONT}>${escapeXml(e.text)}</text>`);
    });
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${layout.width}" height="${layout.height}">${parts.join('')}</svg>`;
}
