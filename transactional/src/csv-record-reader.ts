/** A CSV syntax error, with the line it was found on. */
export class CsvSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`${message} (line ${line})`);
  }
}

/**
 * A streaming RFC 4180 reader: text chunks in, records out with the line each starts on. The
 * delimiter (comma, semicolon or tab) is taken from the header line. Lines without quotes take a
 * fast path (split); quoted fields may hold delimiters, quotes ("") and line breaks.
 */
export async function* readCsvRecords(chunks: AsyncIterable<string>): AsyncGenerator<{ line: number; fields: string[] }> {
  let buf = '';
  let pos = 0;
  let line = 1;
  let delimiter: string | undefined;
  let ended = false;
  const it = chunks[Symbol.asyncIterator]();
  const more = async (): Promise<boolean> => {
    if (ended) return false;
    const n = await it.next();
    if (n.done) {
      ended = true;
      return false;
    }
    buf = buf.slice(pos) + n.value;
    pos = 0;
    return true;
  };

  for (;;) {
    let nl = buf.indexOf('\n', pos);
    while (nl === -1 && (await more())) nl = buf.indexOf('\n', pos);
    if (nl === -1 && pos >= buf.length) return;
    const end = nl === -1 ? buf.length : nl;
    let text = buf.slice(pos, end);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (delimiter === undefined) delimiter = pickDelimiter(text);
    const startLine = line;
    if (!text.includes('"')) {
      pos = end + 1;
      line++;
      if (text !== '') yield { line: startLine, fields: text.split(delimiter) };
      continue;
    }
    // Quoted fields: a small state machine from pos, reading more text when a quote spans lines.
    const fields: string[] = [];
    let field = '';
    let i = pos;
    let quoted = false;
    let afterQuote = false;
    for (;;) {
      if (i >= buf.length) {
        const offset = i - pos;
        if (!(await more())) {
          if (quoted) throw new CsvSyntaxError('a quoted field is never closed', startLine);
          fields.push(field);
          pos = buf.length;
          break;
        }
        i = pos + offset;
      }
      const c = buf[i] as string;
      if (quoted) {
        if (c === '"') {
          if (buf[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          if (i + 1 >= buf.length && !ended) {
            const offset = i - pos;
            await more();
            i = pos + offset;
            continue;
          }
          quoted = false;
          afterQuote = true;
        } else {
          if (c === '\n') line++;
          field += c;
        }
        i++;
        continue;
      }
      if (c === delimiter) {
        fields.push(field);
        field = '';
        afterQuote = false;
      } else if (c === '\n' || (c === '\r' && buf[i + 1] === '\n')) {
        fields.push(field);
        pos = c === '\r' ? i + 2 : i + 1;
        break;
      } else if (afterQuote && c !== '\r') {
        throw new CsvSyntaxError('text after a closing quote', line);
      } else if (c === '"' && field === '') {
        quoted = true;
      } else if (c !== '\r') {
        field += c;
      }
      i++;
    }
    line++;
    yield { line: startLine, fields };
  }
}

function pickDelimiter(header: string): string {
  const count = (d: string) => header.split(d).length;
  const best = [',', ';', '\t'].map((d) => [d, count(d)] as const).sort((a, b) => b[1] - a[1])[0];
  return best && best[1] > 1 ? best[0] : ',';
}
