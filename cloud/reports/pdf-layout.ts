/** Page geometry, colours and text helpers shared by the PDF document and its charts. */

export const PAGE = { left: 42, right: 42, top: 46, bottom: 58 } as const;
export const INK = '#1a1a1a';
export const MUTED = '#5c5c5c';
export const RULE = '#b8b8b8';

export function contentWidth(doc: PDFKit.PDFDocument): number {
  return doc.page.width - PAGE.left - PAGE.right;
}

/** Starts a new page unless `height` still fits on this one. */
export function ensureSpace(doc: PDFKit.PDFDocument, height: number): void {
  if (doc.y + height > doc.page.height - PAGE.bottom) {
    doc.addPage();
    doc.y = PAGE.top;
  }
}

/**
 * One line of text that never wraps and never starts a page by itself (pdfkit would, near the
 * margin). With a width, text that does not fit is first set smaller (down to 80 %), then cut
 * with an ellipsis: a table cell or a header stays one line.
 */
export function label(doc: PDFKit.PDFDocument, text: string, x: number, y: number, options: PDFKit.Mixins.TextOptions & { size?: number; bold?: boolean; colour?: string } = {}): void {
  const { size = 7, bold = false, colour = MUTED, width, ...rest } = options;
  doc.font(bold ? 'Bold' : 'Body').fontSize(size).fillColor(colour);
  if (width === undefined) {
    doc.text(text, x, y, { lineBreak: false, ...rest });
    return;
  }
  let fitted = text;
  let fontSize = size;
  while (doc.widthOfString(fitted) > width && fontSize > size * 0.8) doc.fontSize((fontSize -= size * 0.05));
  if (doc.widthOfString(fitted) > width) {
    while (fitted.length > 1 && doc.widthOfString(`${fitted}…`) > width) fitted = fitted.slice(0, -1);
    fitted = `${fitted.trimEnd()}…`;
  }
  // A little slack: pdfkit wraps text that fits to the last hundredth of a point.
  doc.text(fitted, x - 1, y + (size - fontSize) / 2, { lineBreak: false, ...rest, width: width + 2 });
}
