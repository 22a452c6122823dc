import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import { drawBandChart, drawReadingsChart, drawStackedBars } from './pdf-charts.js';
import { drawWaveStrip } from './pdf-wave-strip.js';
import { contentWidth, ensureSpace, INK, label, MUTED, PAGE, RULE } from './pdf-layout.js';
import { woffToSfnt } from './woff-to-sfnt.js';
import type { Cell, LegendBlock, ReportBlock, ReportModel, TableBlock } from './report-model.js';

const require = createRequire(import.meta.url);
/**
 * DejaVu Sans, embedded (subset): the standard PDF fonts have no "₂" for SpO₂ or EtCO₂, and a
 * font shipped with the package prints the same on every server.
 */
const FONT_FILES = {
  Body: '@fontsource/dejavu-sans/files/dejavu-sans-latin-400-normal.woff',
  Bold: '@fontsource/dejavu-sans/files/dejavu-sans-latin-700-normal.woff',
} as const;
let fonts: Record<keyof typeof FONT_FILES, Buffer> | null = null;

/** Unpacked once per process (see woff-to-sfnt.ts for why). */
function reportFonts(): Record<keyof typeof FONT_FILES, Buffer> {
  fonts ??= { Body: woffToSfnt(readFileSync(require.resolve(FONT_FILES.Body))), Bold: woffToSfnt(readFileSync(require.resolve(FONT_FILES.Bold))) };
  return fonts;
}

export const CONFIDENTIALITY =
  'CONFIDENTIAL: personal health information, for the treating team only. Do not copy or pass on; dispose of as confidential waste.';

/**
 * Renders a report as an A4 PDF (pdfkit): title and identity, then the report's blocks; every
 * page gets the running header (after the first), the confidentiality footer and "Page n of m".
 * Pages are buffered until the end to number them (a report is a few pages: tables and charts
 * are bounded). Bytes go to `write` as pdfkit produces them.
 */
export async function renderPdf(model: ReportModel, write: (chunk: Buffer) => Promise<void>): Promise<void> {
  const doc = new PDFDocument({ size: 'A4', margins: PAGE, bufferPages: true, info: { Title: model.title, Producer: 'ward-cloud' } });
  for (const [name, data] of Object.entries(reportFonts())) doc.registerFont(name, data);
  const consumed = (async () => {
    for await (const chunk of doc as AsyncIterable<Buffer>) await write(chunk);
  })();
  drawTitle(doc, model);
  for (const block of model.blocks) drawBlock(doc, block);
  const { start, count } = doc.bufferedPageRange();
  for (let i = start; i < start + count; i++) {
    doc.switchToPage(i);
    drawPageFrame(doc, model, i - start + 1, count);
  }
  doc.end();
  await consumed;
}

function drawTitle(doc: PDFKit.PDFDocument, model: ReportModel): void {
  const width = contentWidth(doc);
  label(doc, model.title, PAGE.left, PAGE.top - 16, { size: 15, bold: true, colour: INK });
  const top = PAGE.top + 8;
  const rows = Math.ceil(model.identity.length / 2);
  const rowHeight = 22;
  doc.rect(PAGE.left, top, width, rows * rowHeight + 6).fillColor('#f3f4f6').fill();
  model.identity.forEach(([name, value], i) => {
    const x = PAGE.left + 8 + (i % 2) * (width / 2);
    const y = top + 5 + Math.floor(i / 2) * rowHeight;
    label(doc, name.toUpperCase(), x, y, { size: 6.5, colour: MUTED, characterSpacing: 0.3 });
    label(doc, value, x, y + 8.5, { size: 9, bold: true, colour: INK, width: width / 2 - 14 });
  });
  doc.y = top + rows * rowHeight + 6 + 14;
  doc.x = PAGE.left;
}

function drawPageFrame(doc: PDFKit.PDFDocument, model: ReportModel, page: number, pages: number): void {
  const width = contentWidth(doc);
  // Writing inside the margins: pdfkit would otherwise start a new page for text below them.
  const saved = { ...doc.page.margins };
  doc.page.margins = { top: 0, bottom: 0, left: 0, right: 0 };
  if (page > 1) {
    label(doc, model.runningHeader, PAGE.left, 22, { size: 7.5, bold: true, colour: INK, width });
    doc.moveTo(PAGE.left, 34).lineTo(PAGE.left + width, 34).lineWidth(0.5).strokeColor(RULE).stroke();
  }
  const footerY = doc.page.height - PAGE.bottom + 16;
  doc.moveTo(PAGE.left, footerY - 5).lineTo(PAGE.left + width, footerY - 5).lineWidth(0.5).strokeColor(RULE).stroke();
  label(doc, CONFIDENTIALITY, PAGE.left, footerY, { size: 6.5, colour: MUTED, width: width - 70 });
  label(doc, `Page ${page} of ${pages}`, PAGE.left + width - 70, footerY, { size: 7.5, bold: true, colour: INK, width: 70, align: 'right' });
  doc.page.margins = saved;
}

function drawBlock(doc: PDFKit.PDFDocument, block: ReportBlock): void {
  switch (block.kind) {
    case 'heading':
      ensureSpace(doc, 40);
      doc.y += 4;
      label(doc, block.text, PAGE.left, doc.y, { size: 10.5, bold: true, colour: INK });
      doc.y += 16;
      return;
    case 'text': {
      doc.font('Body').fontSize(7.5).fillColor(block.tone === 'muted' ? MUTED : INK);
      const height = doc.heightOfString(block.text, { width: contentWidth(doc) });
      ensureSpace(doc, height);
      doc.text(block.text, PAGE.left, doc.y, { width: contentWidth(doc) });
      doc.y += 4;
      return;
    }
    case 'table':
      drawTable(doc, block);
      return;
    case 'legend':
      drawLegend(doc, block);
      return;
    case 'band-chart':
      drawBandChart(doc, block);
      return;
    case 'readings-chart':
      drawReadingsChart(doc, block);
      return;
    case 'stacked-bars':
      drawStackedBars(doc, block);
      return;
    case 'wave-strip':
      drawWaveStrip(doc, block);
      return;
    case 'signature':
      drawSignature(doc, block.lines);
      return;
  }
}

function drawSignature(doc: PDFKit.PDFDocument, lines: readonly string[]): void {
  ensureSpace(doc, 44);
  const width = contentWidth(doc);
  const each = (width - (lines.length - 1) * 18) / lines.length;
  const y = doc.y + 26;
  lines.forEach((text, i) => {
    const x = PAGE.left + i * (each + 18);
    doc.moveTo(x, y).lineTo(x + each, y).lineWidth(0.6).strokeColor(INK).stroke();
    label(doc, text, x, y + 3, { size: 6.5 });
  });
  doc.y = y + 16;
  doc.x = PAGE.left;
}

function cellText(cell: Cell): string {
  return cell === null ? '—' : String(cell);
}

const ROW = 13;

function drawTable(doc: PDFKit.PDFDocument, table: TableBlock): void {
  const width = contentWidth(doc);
  const total = table.columns.reduce((n, c) => n + c.width, 0);
  const widths = table.columns.map((c) => (c.width / total) * width);
  const lefts = widths.map((_, i) => PAGE.left + widths.slice(0, i).reduce((a, b) => a + b, 0));
  const header = () => {
    const y = doc.y;
    table.columns.forEach((c, i) => label(doc, c.label, lefts[i]! + 3, y + 3, { size: 7, bold: true, colour: INK, width: widths[i]! - 6, align: c.align ?? 'left' }));
    doc.moveTo(PAGE.left, y + ROW + 1).lineTo(PAGE.left + width, y + ROW + 1).lineWidth(0.8).strokeColor(INK).stroke();
    doc.y = y + ROW + 2;
  };
  ensureSpace(doc, 2 * ROW + 4);
  header();
  if (table.rows.length === 0) {
    label(doc, table.empty, PAGE.left + 3, doc.y + 3, { size: 7.5, colour: MUTED });
    doc.y += ROW;
  }
  table.rows.forEach((row, r) => {
    if (doc.y + ROW > doc.page.height - PAGE.bottom) {
      doc.addPage();
      doc.y = PAGE.top;
      header();
    }
    const y = doc.y;
    if (r % 2 === 1) doc.rect(PAGE.left, y, width, ROW).fillColor('#f3f4f6').fill();
    const swatch = table.swatches?.[r];
    const colour = table.muted?.[r] ? '#8a8a8a' : INK;
    row.forEach((cell, i) => {
      let x = lefts[i]! + 3;
      let w = widths[i]! - 6;
      if (i === 0 && swatch) {
        doc.rect(x, y + 3, 7, 7).fillColor(swatch).fill().rect(x, y + 3, 7, 7).lineWidth(0.4).strokeColor('#444').stroke();
        x += 11;
        w -= 11;
      }
      label(doc, cellText(cell), x, y + 3, { size: 7.5, colour, width: w, align: table.columns[i]!.align ?? 'left' });
    });
    doc.y = y + ROW;
  });
  doc.moveTo(PAGE.left, doc.y).lineTo(PAGE.left + width, doc.y).lineWidth(0.4).strokeColor(RULE).stroke();
  if (table.total) {
    ensureSpace(doc, ROW + 2);
    const y = doc.y;
    doc.moveTo(PAGE.left, y).lineTo(PAGE.left + width, y).lineWidth(0.8).strokeColor(INK).stroke();
    table.total.forEach((cell, i) => label(doc, cellText(cell), lefts[i]! + 3, y + 3, { size: 7.5, bold: true, colour: INK, width: widths[i]! - 6, align: table.columns[i]!.align ?? 'left' }));
    doc.y = y + ROW;
  }
  doc.y += 4;
  if (table.note) {
    doc.font('Body').fontSize(6.8).fillColor(MUTED).text(table.note, PAGE.left, doc.y, { width });
    doc.y += 2;
  }
  doc.y += 8;
  doc.x = PAGE.left;
}

/** A legend: one row of symbols and labels. */
export function drawLegend(doc: PDFKit.PDFDocument, legend: LegendBlock): void {
  ensureSpace(doc, 32);
  let x = PAGE.left;
  let y = doc.y;
  for (const item of legend.items) {
    const needed = 15 + doc.font('Body').fontSize(7.5).widthOfString(item.label);
    if (x > PAGE.left && x + needed > PAGE.left + contentWidth(doc)) {
      x = PAGE.left;
      y += 13;
    }
    const cy = y + 4.5;
    if (item.shape === 'square') doc.rect(x, cy - 4, 9, 9).fillColor(item.colour).fill().rect(x, cy - 4, 9, 9).lineWidth(0.4).strokeColor('#444').stroke();
    else if (item.shape === 'triangle') doc.polygon([x, cy - 4], [x + 9, cy - 4], [x + 4.5, cy + 4]).fillColor(item.colour).fill().polygon([x, cy - 4], [x + 9, cy - 4], [x + 4.5, cy + 4]).lineWidth(0.4).strokeColor('#444').stroke();
    else if (item.shape === 'band') doc.rect(x, cy - 4, 12, 8).fillOpacity(0.25).fillColor(item.colour).fill().fillOpacity(1).moveTo(x, cy).lineTo(x + 12, cy).lineWidth(1.2).strokeColor(item.colour).stroke();
    else if (item.shape === 'dash') doc.moveTo(x, cy).lineTo(x + 12, cy).dash(2.5, { space: 2 }).lineWidth(0.8).strokeColor(item.colour).stroke().undash();
    else doc.moveTo(x, cy).lineTo(x + 12, cy).lineWidth(1.2).strokeColor(item.colour).stroke();
    const w = doc.font('Body').fontSize(7.5).widthOfString(item.label);
    label(doc, item.label, x + 15, y + 0.5, { size: 7.5, colour: INK });
    x += 15 + w + 14;
  }
  doc.y = y + 16;
  doc.x = PAGE.left;
}
