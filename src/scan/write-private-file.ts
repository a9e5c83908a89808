/** Writes a command's output file: mode 0600 even when the file already existed with wider permissions. */
import { open } from "node:fs/promises";

export async function writePrivateFile(path: string, text: string): Promise<void> {
  // `mode` applies only to a file that is created; an existing one is narrowed before any byte is written.
  const handle = await open(path, "w", 0o600);
  try {
    await handle.chmod(0o600);
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
}
