import PDFDocument from 'pdfkit';
import type { Cell, ChartModel, ReportModel } from './report-model.js';

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f'];
const MARGIN = 50;

/**
 * Renders the report as a PDF (pdfkit): title, a summary table and a trend chart drawn with
 * vector lines. Bytes go to `write` as pdfkit produces them.
 */
export async function renderPdf(model: ReportModel, write: (chunk: Buffer) => Promise<void>): Promise<void> {
  const doc = new PDFDocument({ size: 'A4', margin: MARGIN, info: { Title: model.title, Producer: 'ward-cloud' } });
  const consumed = (async () => {
    for await (const chunk of doc as AsyncIterable<Buffer>) await write(chunk);
  })();
  doc.font('Helvetica-Bold').fontSize(16).text(model.title);
  doc.font('Helvetica').fontSize(9).fillColor('#444');
  for (const line of model.meta) doc.text(line);
  doc.fillColor('black').moveDown();
  if (model.chart && model.chart.series.some((s) => s.points.length > 0)) drawChart(doc, model.chart);
  drawTable(doc, model.table.columns, model.table.rows);
  if (model.table.note) doc.moveDown(0.5).font('Helvetica-Oblique').fontSize(8).text(model.table.note, MARGIN);
  doc.end();
  await consumed;
}

function cellText(cell: Cell): string {
  return cell === null ? '—' : String(cell);
}

function drawTable(doc: PDFKit.PDFDocument, columns: readonly string[], rows: readonly Cell[][]): void {
  const width = doc.page.width - 2 * MARGIN;
  const colWidth = width / columns.length;
  const rowHeight = 14;
  const bottom = () => doc.page.height - MARGIN;
  const header = () => {
    const y = doc.y;
    doc.font('Helvetica-Bold').fontSize(8);
    columns.forEach((c, i) => doc.text(c, MARGIN + i * colWidth + 2, y + 3, { width: colWidth - 4, lineBreak: false, ellipsis: true }));
    doc.moveTo(MARGIN, y + rowHeight).lineTo(MARGIN + width, y + rowHeight).lineWidth(0.7).strokeColor('#000').stroke();
    doc.y = y + rowHeight;
  };
  header();
  doc.font('Helvetica').fontSize(8);
  if (rows.length === 0) doc.text('No data in this period.', MARGIN + 2, doc.y + 3);
  rows.forEach((row, r) => {
    if (doc.y + rowHeight > bottom()) {
      doc.addPage();
      header();
      doc.font('Helvetica').fontSize(8);
    }
    const y = doc.y;
    if (r % 2 === 1) doc.rect(MARGIN, y, width, rowHeight).fillColor('#f2f2f2').fill().fillColor('black');
    row.forEach((cell, i) => doc.text(cellText(cell), MARGIN + i * colWidth + 2, y + 3, { width: colWidth - 4, lineBreak: false, ellipsis: true }));
    doc.y = y + rowHeight;
  });
  doc.x = MARGIN;
}

function drawChart(doc: PDFKit.PDFDocument, chart: ChartModel): void {
  doc.font('Helvetica-Bold').fontSize(10).fillColor('black').text(chart.title, MARGIN, doc.y);
  if (!chart.panels) {
    drawPanel(doc, chart, chart.series, 0, 200, true);
    return;
  }
  // Small multiples: one strip per vital, so 37 °C and 120 mmHg are both readable.
  const series = chart.series.filter((s) => s.points.length > 0);
  const height = series.length > 4 ? 60 : 90;
  series.forEach((one, i) => {
    if (doc.y + height + 40 > doc.page.height - MARGIN) doc.addPage();
    drawPanel(doc, chart, [one], chart.series.indexOf(one), height, i === series.length - 1);
  });
}

function drawPanel(doc: PDFKit.PDFDocument, chart: ChartModel, series: ChartModel['series'], colorOffset: number, height: number, timeAxis: boolean): void {
  const left = MARGIN + 35;
  const top = doc.y + 12;
  const width = doc.page.width - MARGIN - left;
  const values = series.flatMap((s) => s.points.map((p) => p[1]));
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (lo === hi) [lo, hi] = [lo - 1, hi + 1];
  const pad = (hi - lo) * 0.05;
  lo -= pad;
  hi += pad;
  const x = (t: number) => left + ((t - chart.from) / (chart.to - chart.from)) * width;
  const y = (v: number) => top + height - ((v - lo) / (hi - lo)) * height;

  doc.font('Helvetica').fontSize(7).lineWidth(0.3).strokeColor('#bbb');
  const steps = height >= 150 ? 4 : 2;
  for (let i = 0; i <= steps; i++) {
    const v = lo + ((hi - lo) * i) / steps;
    doc.moveTo(left, y(v)).lineTo(left + width, y(v)).stroke();
    doc.fillColor('#555').text(v.toFixed(1), MARGIN, y(v) - 3, { width: 32, align: 'right', lineBreak: false });
  }
  for (let i = 0; i <= 6; i++) {
    const t = chart.from + ((chart.to - chart.from) * i) / 6;
    doc.moveTo(x(t), top).lineTo(x(t), top + height).stroke();
    if (timeAxis) doc.text(new Date(t).toISOString().slice(5, 16).replace('T', ' '), x(t) - 30, top + height + 3, { width: 60, align: 'center', lineBreak: false });
  }
  doc.lineWidth(0.8).strokeColor('#000').rect(left, top, width, height).stroke();
  series.forEach((one, i) => {
    const color = PALETTE[(colorOffset + i) % PALETTE.length]!;
    doc.lineWidth(1).strokeColor(color);
    let drawing = false;
    let previous = -Infinity;
    for (const [t, v] of one.points) {
      // A gap longer than 3 % of the range is a gap in the data: the line breaks there.
      const jump = t - previous > (chart.to - chart.from) * 0.03;
      if (!drawing || jump) doc.moveTo(x(t), y(v));
      else doc.lineTo(x(t), y(v));
      drawing = true;
      previous = t;
    }
    if (drawing) doc.stroke();
    const legendX = left + (i % 5) * (width / 5) + (chart.panels ? 4 : 0);
    const legendY = chart.panels ? top + 3 : top + height + 16 + Math.floor(i / 5) * 10;
    doc.moveTo(legendX, legendY + 3).lineTo(legendX + 12, legendY + 3).stroke();
    doc.fillColor('black').text(one.name, legendX + 15, legendY, { width: width / 5 - 15, lineBreak: false });
  });
  doc.x = MARGIN;
  doc.y = top + height + (timeAxis ? 14 : 2) + (chart.panels ? 0 : Math.ceil(series.length / 5) * 10 + 4) + 6;
  doc.strokeColor('black').fillColor('black');
}
