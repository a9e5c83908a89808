/** Word wrapping for the terminal: breaks at spaces, and splits only a single word longer than a line. */
export function wrapText(text: string, width: number): string[] {
  const w = Math.max(10, width);
  const lines: string[] = [];
  let line = "";
  for (const word of text.replace(/\s+/g, " ").trim().split(" ")) {
    let rest = word;
    while (rest.length > w) {
      // A word (an ARN, a path) longer than a whole line: cut it where it must, never a sentence.
      if (line) {
        lines.push(line);
        line = "";
      }
      lines.push(rest.slice(0, w));
      rest = rest.slice(w);
    }
    if (!rest) continue;
    if (!line) line = rest;
    else if (line.length + 1 + rest.length <= w) line += ` ${rest}`;
    else {
      lines.push(line);
      line = rest;
    }
  }
  if (line) lines.push(line);
  return lines.length > 0 ? lines : [""];
}
