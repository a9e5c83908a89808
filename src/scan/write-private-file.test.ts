import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writePrivateFile } from "./write-private-file.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "private-file-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("writePrivateFile", () => {
  it("creates the file 0600", async () => {
    const file = join(dir, "new.json");
    await writePrivateFile(file, "secret\n");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it("narrows an existing world-readable file to 0600 and replaces its content", async () => {
    const file = join(dir, "old.json");
    await writeFile(file, "a much longer previous content\n");
    await chmod(file, 0o644);
    await writePrivateFile(file, "tag values\n");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, "utf8")).toBe("tag values\n");
  });
});
